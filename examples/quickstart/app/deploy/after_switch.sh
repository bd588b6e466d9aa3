#!/bin/sh
# In-repo hook: berth runs executables in deploy/ named after a hook, after the config's own.
echo "$GREETING: $BERTH_RELEASE is live on $BERTH_HOST"
echo "see it: $BERTH_DEPLOY_TO/current/public/index.html"
