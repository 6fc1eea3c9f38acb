import sys
from pathlib import Path

# the test kit (tests/kit) is imported as `kit`
sys.path.insert(0, str(Path(__file__).parent))
