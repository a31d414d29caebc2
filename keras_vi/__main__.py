"""`python -m keras_vi ...` is the `keras-vi` command."""

import sys

from keras_vi.cli.main import main

sys.exit(main())
