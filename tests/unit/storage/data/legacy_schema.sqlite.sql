-- The schema TraderAgent created with Base.metadata.create_all before migrations existed
-- (issue 2): frozen here so the upgrade from it stays tested. Do not edit.
CREATE TABLE bots (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	symbol VARCHAR(32) NOT NULL, 
	strategy VARCHAR(64) NOT NULL, 
	state VARCHAR(32) NOT NULL, 
	config TEXT NOT NULL, 
	created_ms BIGINT NOT NULL, 
	updated_ms BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE orders (
	id INTEGER NOT NULL, 
	client_order_id VARCHAR(64) NOT NULL, 
	bot VARCHAR(64) NOT NULL, 
	seq INTEGER, 
	symbol VARCHAR(32) NOT NULL, 
	side VARCHAR(32) NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	qty TEXT NOT NULL, 
	price TEXT, 
	status VARCHAR(32) NOT NULL, 
	filled_qty TEXT NOT NULL, 
	avg_fill_price TEXT, 
	exchange_order_id VARCHAR(64) NOT NULL, 
	reject_reason TEXT NOT NULL, 
	tag VARCHAR(64) NOT NULL, 
	created_ms BIGINT NOT NULL, 
	updated_ms BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (client_order_id)
);
CREATE INDEX ix_orders_bot_status ON orders (bot, status);
CREATE INDEX ix_orders_bot_seq ON orders (bot, seq);
CREATE TABLE fills (
	id INTEGER NOT NULL, 
	fill_id VARCHAR(64) NOT NULL, 
	client_order_id VARCHAR(64) NOT NULL, 
	bot VARCHAR(64) NOT NULL, 
	symbol VARCHAR(32) NOT NULL, 
	side VARCHAR(32) NOT NULL, 
	price TEXT NOT NULL, 
	qty TEXT NOT NULL, 
	fee TEXT NOT NULL, 
	fee_asset VARCHAR(32) NOT NULL, 
	liquidity VARCHAR(32) NOT NULL, 
	tag VARCHAR(64) NOT NULL, 
	ts BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (fill_id)
);
CREATE INDEX ix_fills_client_order_id ON fills (client_order_id);
CREATE INDEX ix_fills_bot_ts ON fills (bot, ts);
CREATE TABLE positions (
	id INTEGER NOT NULL, 
	bot VARCHAR(64) NOT NULL, 
	symbol VARCHAR(32) NOT NULL, 
	qty TEXT NOT NULL, 
	avg_price TEXT NOT NULL, 
	realised_pnl TEXT NOT NULL, 
	fees TEXT NOT NULL, 
	updated_ms BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_positions_bot_symbol UNIQUE (bot, symbol)
);
CREATE TABLE equity_points (
	id INTEGER NOT NULL, 
	bot VARCHAR(64), 
	ts BIGINT NOT NULL, 
	equity TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_equity_points_bot_ts ON equity_points (bot, ts);
