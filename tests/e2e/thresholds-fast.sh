#!/bin/sh
# thresholds.sh on the fast client.
CROWD_TEST_CLIENT=fast exec bash "$(dirname "$0")/thresholds.sh"
