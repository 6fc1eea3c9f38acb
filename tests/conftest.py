import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

# the test kit (tests/kit) is imported as `kit`
sys.path.insert(0, str(Path(__file__).parent))

# No test reads or writes the user's real config directory (the API token, the key file).
if "TRADERAGENT_CONFIG_DIR" not in os.environ:
    _config_dir = tempfile.mkdtemp(prefix="traderagent-test-config-")
    os.environ["TRADERAGENT_CONFIG_DIR"] = _config_dir
    atexit.register(shutil.rmtree, _config_dir, ignore_errors=True)

# Nor the user's data directory (default databases, log files).
if "TRADERAGENT_DATA_DIR" not in os.environ:
    _data_dir = tempfile.mkdtemp(prefix="traderagent-test-data-")
    os.environ["TRADERAGENT_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)

# Daemons started by tests log warnings and worse only: a child whose stderr a test reads only
# at the end must not fill the pipe with fills (tests of the log say --log-level themselves).
os.environ.setdefault("TRADERAGENT_LOG_LEVEL", "warning")
