#!/bin/sh
# Traffic generator for the accesslog_exporter demo: requests the demo nginx
# (deploy/common/nginx.conf) in rounds of 43, so that every dashboard panel and the 5xx, 429,
# SLO and undocumented-code alerts have something to show. Per round:
#   29 x 2xx (GET, HEAD, POST 201, DELETE 204; ids and owners for the route label),
#    2 x 404, 1 x 405, 1 x 418,
#    6 x /api/kittens/search back to back: nginx allows 1 per second, so about 5 x 429,
#    2 x 500, 1 x 503, 1 x 502 (an upstream that does not answer; 502 is undocumented).
# So about 12% 429 and 9% 5xx: enough to fire AccesslogHigh429Ratio, AccesslogHigh5xxRatio,
# AccesslogErrorBudgetBurn and AccesslogUndocumentedStatusCodes after their `for:`.
#
# POSIX sh and curl only (it runs in the curlimages/curl image and in tests/deploy).
#   traffic.sh [BASE_URL]        default http://nginx:8080
# Environment: ROUNDS (default 0 = forever), PAUSE (seconds between rounds, default 1).
# Prints one line per round: "round N: CODE xCOUNT ...".
set -eu

base="${1:-${BASE_URL:-http://nginx:8080}}"
rounds="${ROUNDS:-0}"
pause="${PAUSE:-1}"

request() { # METHOD PATH -> prints the status code (curl prints "000" when nginx cannot be reached)
    curl --silent --output /dev/null --max-time 5 --write-out '%{http_code}\n' \
        --user-agent 'accesslog-demo-traffic/1' --request "$1" "${base}$2" || true
}

round() {
    n="$1"
    for i in 1 2 3 4 5 6 7; do
        request GET /api/kittens
        request GET "/api/kittens/$((n * 7 + i))"
    done
    for owner in alice bob carol dave; do
        request GET "/api/owners/${owner}/kittens"
    done
    for i in 1 2 3 4 5; do
        request POST /api/kittens
        request DELETE "/api/kittens/$((n + i))"
    done
    request HEAD /api/kittens
    request GET /api/kittens/search
    request GET /api/kittens/search
    request GET /api/kittens/search
    request GET /api/kittens/search
    request GET /api/kittens/search
    request GET /api/kittens/search
    request GET /kittens.php
    request GET /api/dogs
    request PUT /api/kittens
    request GET /api/teapot
    request POST /api/checkout
    request POST /api/checkout
    request GET /api/maintenance
    request GET /api/store
}

n=0
while [ "${rounds}" -eq 0 ] || [ "${n}" -lt "${rounds}" ]; do
    n=$((n + 1))
    summary="$(round "${n}" | sort | uniq -c | awk '{printf " %s x%s", $2, $1}')"
    echo "round ${n}:${summary}"
    if [ "${rounds}" -eq 0 ] || [ "${n}" -lt "${rounds}" ]; then
        sleep "${pause}"
    fi
done
