#!/usr/bin/env bash
# Sets up a real WordPress (Debian package) on http://127.0.0.1:${CMSUSER_WP_PORT:-8081}/ for the live tests.
# For a fresh Debian 12 machine without systemd; run as root; safe to run again.
# Writes tests/real/.state/wordpress.env with CMSUSER_WP_URL, CMSUSER_WP_USER, CMSUSER_WP_APP_PASSWORD, CMSUSER_WP_MAILDIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
state_dir="$repo/tests/real/.state"
env_file="$state_dir/wordpress.env"
port="${CMSUSER_WP_PORT:-8081}"
host="127.0.0.1"
url="http://$host:$port"
db_name="wp_cmsuser"
db_user="wp_cmsuser"
admin_user="cmsuser_admin"
maildir="/var/lib/wordpress/cmsuser-mail"
content_dir="/var/lib/wordpress/wp-content"
jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT

log() { printf '[wordpress-setup] %s\n' "$*"; }
# No systemd here: run the SysV scripts (through service(8) when it exists).
start_service() { if command -v service >/dev/null 2>&1; then service "$1" start >/dev/null; else "/etc/init.d/$1" start >/dev/null; fi; }

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
mkdir -p "$state_dir"
[ -f "$state_dir/.gitignore" ] || printf '*\n' > "$state_dir/.gitignore"

# Secrets survive reruns so the database and the admin login stay usable.
secrets="$state_dir/wordpress.secrets"
if [ ! -f "$secrets" ]; then
  umask 077
  printf 'DB_PASSWORD=%s\nADMIN_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$secrets"
  umask 022
fi
# shellcheck disable=SC1090
. "$secrets"

if ! dpkg -s wordpress mariadb-server apache2 libapache2-mod-php php-mysql curl >/dev/null 2>&1; then
  log "installing packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q wordpress mariadb-server apache2 libapache2-mod-php php-mysql curl
fi

if ! mysqladmin ping --silent 2>/dev/null; then
  log "starting MariaDB"
  start_service mariadb
  for _ in $(seq 1 30); do mysqladmin ping --silent 2>/dev/null && break; sleep 1; done
fi

log "database $db_name"
mysql -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$db_user'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$db_user'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$db_name\`.* TO '$db_user'@'localhost';
FLUSH PRIVILEGES;
SQL

# The Debian package picks /etc/wordpress/config-<host>.php from the Host header (port stripped).
cat > "/etc/wordpress/config-$host.php" <<PHP
<?php
define('DB_NAME', '$db_name');
define('DB_USER', '$db_user');
define('DB_PASSWORD', '$DB_PASSWORD');
define('DB_HOST', 'localhost');
define('WP_CONTENT_DIR', '$content_dir');
define('WP_HOME', '$url');
define('WP_SITEURL', '$url');
// Application passwords over plain http need a local environment.
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
PHP
chmod 640 "/etc/wordpress/config-$host.php"
chgrp www-data "/etc/wordpress/config-$host.php"

# Companion plugin and mail catcher as must-use plugins (always active).
mkdir -p "$content_dir/mu-plugins" "$maildir"
cp "$repo/integrations/wordpress/skvare-cmsuser-companion/skvare-cmsuser-companion.php" "$content_dir/mu-plugins/"
cat > "$content_dir/mu-plugins/cmsuser-mail-catcher.php" <<PHP
<?php
/*
 * Plugin Name: CmsUser test mail catcher
 * Description: Writes every outgoing mail as JSON into $maildir instead of sending it (test sites only). Mail to an address at mail-fails.invalid fails as a broken mailer does (wp_mail_failed, wp_mail() answers false).
 * License: GPL-2.0-or-later
 */
add_filter('pre_wp_mail', function (\$short, \$atts) {
    if (preg_grep('/@mail-fails\\.invalid\$/i', (array) \$atts['to'])) {
        do_action('wp_mail_failed', new WP_Error('wp_mail_failed', 'Test mail catcher: mail to mail-fails.invalid always fails.', array('to' => (array) \$atts['to'], 'subject' => \$atts['subject'])));
        return false;
    }
    \$file = '$maildir/' . gmdate('Ymd-His') . '-' . uniqid('', true) . '.json';
    file_put_contents(\$file, wp_json_encode(array(
        'to' => (array) \$atts['to'],
        'subject' => \$atts['subject'],
        'message' => \$atts['message'],
    )));
    return true;
}, 10, 2);
PHP
chown -R www-data:www-data "$content_dir/mu-plugins" "$maildir"

log "apache on port $port"
cat > /etc/apache2/sites-available/cmsuser-wordpress.conf <<APACHE
Listen $host:$port
<VirtualHost $host:$port>
    ServerName $host
    DocumentRoot /usr/share/wordpress
    Alias /wp-content $content_dir
    <Directory /usr/share/wordpress>
        Options FollowSymLinks
        AllowOverride None
        Require all granted
        RewriteEngine On
        RewriteBase /
        RewriteRule ^index\.php$ - [L]
        RewriteCond %{REQUEST_FILENAME} !-f
        RewriteCond %{REQUEST_FILENAME} !-d
        RewriteRule . /index.php [L]
    </Directory>
    <Directory $content_dir>
        Options FollowSymLinks
        Require all granted
    </Directory>
</VirtualHost>
APACHE
a2enmod -q rewrite >/dev/null
a2ensite -q cmsuser-wordpress >/dev/null
apachectl configtest >/dev/null 2>&1 || { apachectl configtest; exit 1; }
if [ -f /var/run/apache2/apache2.pid ] && kill -0 "$(cat /var/run/apache2/apache2.pid)" 2>/dev/null; then
  # Already running (a second run, or another site's setup): reload so the new site is served.
  apachectl -k graceful
else
  start_service apache2
fi
for _ in $(seq 1 30); do curl -s -o /dev/null "$url/wp-login.php" && break; sleep 1; done

if curl -s "$url/wp-admin/install.php" | grep -q 'name="weblog_title"'; then
  log "running the installer"
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$url/wp-admin/install.php?step=2" \
    --data-urlencode "weblog_title=CmsUser test site" \
    --data-urlencode "user_name=$admin_user" \
    --data-urlencode "admin_password=$ADMIN_PASSWORD" \
    --data-urlencode "admin_password2=$ADMIN_PASSWORD" \
    --data-urlencode "pw_weak=1" \
    --data-urlencode "admin_email=admin@example.org" \
    --data-urlencode "blog_public=0" \
    --data-urlencode "language=" >/dev/null
fi

# Pretty permalinks so /wp-json/ routes; deleting rewrite_rules makes WordPress rebuild them.
mysql -uroot "$db_name" -e "UPDATE wp_options SET option_value='/%postname%/' WHERE option_name='permalink_structure'; DELETE FROM wp_options WHERE option_name='rewrite_rules';"

status="$(curl -s -o /dev/null -w '%{http_code}' "$url/wp-json/")"
[ "$status" = 200 ] || { echo "wp-json/ answered $status" >&2; exit 1; }

app_ok=0
if [ -f "$env_file" ]; then
  # shellcheck disable=SC1090
  . "$env_file"
  code="$(curl -s -o /dev/null -w '%{http_code}' -u "$CMSUSER_WP_USER:$CMSUSER_WP_APP_PASSWORD" "$url/wp-json/wp/v2/users/me?context=edit" || true)"
  [ "$code" = 200 ] && app_ok=1
fi

if [ "$app_ok" != 1 ]; then
  log "creating an application password"
  # The state folder may be new while the site is old: make the admin password match the stored one (WordPress accepts and upgrades MD5 hashes).
  mysql -uroot "$db_name" -e "UPDATE wp_users SET user_pass=MD5('$ADMIN_PASSWORD') WHERE user_login='$admin_user';"
  curl -s -o /dev/null -c "$jar" -b "wordpress_test_cookie=WP%20Cookie%20check" "$url/wp-login.php"
  curl -s -o /dev/null -c "$jar" -b "$jar" -b "wordpress_test_cookie=WP%20Cookie%20check" -X POST "$url/wp-login.php" \
    --data-urlencode "log=$admin_user" --data-urlencode "pwd=$ADMIN_PASSWORD" \
    --data-urlencode "testcookie=1" --data-urlencode "redirect_to=$url/wp-admin/"
  nonce="$(curl -s -b "$jar" "$url/wp-admin/admin-ajax.php?action=rest-nonce")"
  [ -n "$nonce" ] && [ "$nonce" != 0 ] || { echo "login failed (no REST nonce)" >&2; exit 1; }
  answer="$(curl -s -b "$jar" -H "X-WP-Nonce: $nonce" -X POST "$url/wp-json/wp/v2/users/me/application-passwords" \
    --data-urlencode "name=cmsuser-live-tests-$(date +%s)")"
  app_password="$(printf '%s' "$answer" | php -r '$a = json_decode(stream_get_contents(STDIN), true); echo $a["password"] ?? "";')"
  [ -n "$app_password" ] || { echo "could not create an application password: $answer" >&2; exit 1; }
  umask 077
  cat > "$env_file" <<ENV
CMSUSER_WP_URL=$url/
CMSUSER_WP_USER=$admin_user
CMSUSER_WP_APP_PASSWORD=$(printf '%s' "$app_password" | tr -d ' ')
CMSUSER_WP_MAILDIR=$maildir
ENV
  umask 022
fi

# shellcheck disable=SC1090
. "$env_file"
code="$(curl -s -o /dev/null -w '%{http_code}' -u "$CMSUSER_WP_USER:$CMSUSER_WP_APP_PASSWORD" "$url/wp-json/skvare-cmsuser/v1/status")"
[ "$code" = 200 ] || { echo "companion plugin status answered $code" >&2; exit 1; }
log "ready: $url/ (state in $env_file)"
