-- The schema TraderAgent created with Base.metadata.create_all before migrations existed
-- (issue 2): frozen here so the upgrade from it stays tested. Do not edit.
CREATE TABLE bots (
	id BIGSERIAL NOT NULL, 
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
CREATE TABLE equity_points (
	id BIGSERIAL NOT NULL, 
	bot VARCHAR(64), 
	ts BIGINT NOT NULL, 
	equity NUMERIC(38, 18) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_equity_points_bot_ts ON equity_points (bot, ts);
CREATE TABLE fills (
	id BIGSERIAL NOT NULL, 
	fill_id VARCHAR(64) NOT NULL, 
	client_order_id VARCHAR(64) NOT NULL, 
	bot VARCHAR(64) NOT NULL, 
	symbol VARCHAR(32) NOT NULL, 
	side VARCHAR(32) NOT NULL, 
	price NUMERIC(38, 18) NOT NULL, 
	qty NUMERIC(38, 18) NOT NULL, 
	fee NUMERIC(38, 18) NOT NULL, 
	fee_asset VARCHAR(32) NOT NULL, 
	liquidity VARCHAR(32) NOT NULL, 
	tag VARCHAR(64) NOT NULL, 
	ts BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (fill_id)
);
CREATE INDEX ix_fills_client_order_id ON fills (client_order_id);
CREATE INDEX ix_fills_bot_ts ON fills (bot, ts);
CREATE TABLE orders (
	id BIGSERIAL NOT NULL, 
	client_order_id VARCHAR(64) NOT NULL, 
	bot VARCHAR(64) NOT NULL, 
	seq INTEGER, 
	symbol VARCHAR(32) NOT NULL, 
	side VARCHAR(32) NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	qty NUMERIC(38, 18) NOT NULL, 
	price NUMERIC(38, 18), 
	status VARCHAR(32) NOT NULL, 
	filled_qty NUMERIC(38, 18) NOT NULL, 
	avg_fill_price NUMERIC(38, 18), 
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
CREATE TABLE positions (
	id BIGSERIAL NOT NULL, 
	bot VARCHAR(64) NOT NULL, 
	symbol VARCHAR(32) NOT NULL, 
	qty NUMERIC(38, 18) NOT NULL, 
	avg_price NUMERIC(38, 18) NOT NULL, 
	realised_pnl NUMERIC(38, 18) NOT NULL, 
	fees NUMERIC(38, 18) NOT NULL, 
	updated_ms BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_positions_bot_symbol UNIQUE (bot, symbol)
);
