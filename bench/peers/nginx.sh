#!/bin/sh
# bench/peers/nginx.sh PORT - nginx with one worker process serving
# bench/www on 127.0.0.1:PORT, for the static keep-alive comparison.
# The configuration is written to build/bench/nginx/ each time; nginx
# runs in the foreground (the bench stops it with SIGTERM).
set -eu
port=$1
root=$(cd "$(dirname "$0")/../www" && pwd)
dir=$(pwd)/build/bench/nginx
mkdir -p "$dir/tmp"
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    default_type text/html;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port;
        root $root;
    }
}
CONF
exec "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e stderr
