"""`python -m amazon_connector.demo [--orders 300] [--seed 7] [--out demo-output]`."""

import sys

from amazon_connector.demo.run import main

sys.exit(main())
