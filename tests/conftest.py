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
