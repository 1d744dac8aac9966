#!/bin/sh
# data_flow.sh on the fast client.
CROWD_TEST_CLIENT=fast exec bash "$(dirname "$0")/data_flow.sh"
