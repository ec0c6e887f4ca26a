#!/usr/bin/env bash
# Builds a SECOND WordPress site with a real CiviCRM in it, and installs this repository's
# CiviCRM extension (integrations/civicrm/com.skvare.cmsuserwebhook) there.
#
# Not run by CI: CI cannot fetch CiviCRM (no package registry carries it). Run it by hand on a
# development machine, as root, next to the WordPress that tests/real/wordpress/setup.sh
# starts; that first site (127.0.0.1:8081) is left alone and stays WITHOUT CiviCRM.
#
#   bash tests/real/civicrm/setup.sh /path/to/civicrm.git
#
# The argument is a git directory (bare is fine) of the public repository tadpolecc/civicrm,
# the WordPress-plugin build of CiviCRM with vendor/ and packages/ (commit
# "civicrm release-6.17.2" was used). CiviCRM is exported into the site, never into this
# repository.
#
# What it makes (all names can be changed through the variables below):
#   - Apache listener 127.0.0.1:8082, site http://localhost:8082/, Debian config
#     /etc/wordpress/config-localhost.php (chosen by the vhost's WORDPRESS_CONFIG), content
#     in /var/lib/wordpress-civi/wp-content, databases wp_civi (WordPress) and civi_civicrm
#   - CiviCRM in wp-content/plugins/civicrm, settings in wp-content/uploads/civicrm
#   - the extension copied to wp-content/uploads/civicrm/ext/com.skvare.cmsuserwebhook and
#     installed through civicrm_api3('Extension', 'install')
#   - an API key for the WordPress admin's contact
#   - state (URLs, logins, keys) in $CIVI_STATE (default /var/lib/wordpress-civi/state.env, mode 600)
# Safe to run again: each step checks whether it is already done. Apache is only reloaded
# gracefully (apachectl -k graceful), so the first site keeps serving.
set -euo pipefail

civicrm_git="${1:-${CIVICRM_GIT_DIR:-}}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
host="${CIVI_HOST:-localhost}"
port="${CIVI_PORT:-8082}"
url="http://$host:$port"
root_dir="${CIVI_ROOT:-/var/lib/wordpress-civi}"
content_dir="$root_dir/wp-content"
state="${CIVI_STATE:-$root_dir/state.env}"
secrets="$root_dir/secrets.env"
wp_db="${CIVI_WP_DB:-wp_civi}"
civi_db="${CIVI_DB:-civi_civicrm}"
db_user="${CIVI_DB_USER:-wp_civi}"
admin_user="${CIVI_ADMIN_USER:-civi_admin}"
ext_key="com.skvare.cmsuserwebhook"
plugin_dir="$content_dir/plugins/civicrm"
ext_dir="$content_dir/uploads/civicrm/ext"
jar="$(mktemp)"
php_dir="$(mktemp -d)"
chmod 755 "$php_dir"
trap 'rm -rf "$jar" "$php_dir"' EXIT

log() { printf '[civicrm-setup] %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -d /usr/share/wordpress ] || { echo "WordPress (Debian package) is missing: run tests/real/wordpress/setup.sh first" >&2; exit 1; }

# Runs PHP as www-data in the second site's context (the Debian wp-config picks the config
# file from WORDPRESS_CONFIG, exactly as the vhost's SetEnv does for web requests).
as_site() {
  local file="$php_dir/$1"; shift
  cat > "$file"
  chmod 644 "$file"
  runuser -u www-data -- env CIVI_HOST="$host" CIVI_PORT="$port" "$@" php "$file"
}
php_prelude() {
  cat <<'PHP'
<?php
$_SERVER['WORDPRESS_CONFIG'] = 'localhost';
$_SERVER['HTTP_HOST'] = getenv('CIVI_HOST') . ':' . getenv('CIVI_PORT');
$_SERVER['SERVER_NAME'] = getenv('CIVI_HOST');
$_SERVER['SERVER_PORT'] = getenv('CIVI_PORT');
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['REQUEST_METHOD'] = 'GET';
require '/usr/share/wordpress/wp-load.php';
PHP
}

# ---- PHP extensions CiviCRM needs ------------------------------------------------------------
missing=""
for m in intl bcmath curl mbstring xml zip soap; do
  dpkg -s "php-$m" >/dev/null 2>&1 || missing="$missing php-$m"
done
if [ -n "$missing" ]; then
  log "installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q $missing >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; }
fi

# ---- secrets (kept across runs) --------------------------------------------------------------
mkdir -p "$root_dir"
if [ ! -f "$secrets" ]; then
  umask 077
  gen() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 22; }
  printf 'DB_PASSWORD=%s\nADMIN_PASSWORD=%s\nCIVI_API_KEY=%s\nWEBHOOK_SECRET=%s\n' "$(gen)" "$(gen)" "$(gen)" "$(gen)$(gen)" > "$secrets"
  umask 022
fi
# shellcheck disable=SC1090
. "$secrets"

# ---- databases -------------------------------------------------------------------------------
log "databases $wp_db and $civi_db"
mysql -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$wp_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS \`$civi_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$db_user'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$db_user'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$wp_db\`.* TO '$db_user'@'localhost';
GRANT ALL PRIVILEGES ON \`$civi_db\`.* TO '$db_user'@'localhost';
FLUSH PRIVILEGES;
SQL

# ---- WordPress config and content folder -----------------------------------------------------
cat > /etc/wordpress/config-localhost.php <<PHP
<?php
// Second WordPress site (with CiviCRM), made by tests/real/civicrm/setup.sh.
define('DB_NAME', '$wp_db');
define('DB_USER', '$db_user');
define('DB_PASSWORD', '$DB_PASSWORD');
define('DB_HOST', 'localhost');
define('WP_CONTENT_DIR', '$content_dir');
define('WP_CONTENT_URL', '$url/wp-content');
define('WP_HOME', '$url');
define('WP_SITEURL', '$url');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
PHP
chmod 640 /etc/wordpress/config-localhost.php
chgrp www-data /etc/wordpress/config-localhost.php

mkdir -p "$content_dir/plugins" "$content_dir/themes" "$content_dir/uploads" "$content_dir/mu-plugins"
for theme in /usr/share/wordpress/wp-content/themes/*; do
  [ -e "$content_dir/themes/$(basename "$theme")" ] || ln -s "$theme" "$content_dir/themes/$(basename "$theme")"
done
# The companion plugin too, so the SDK can provision into this site as into the first one.
cp "$repo/integrations/wordpress/skvare-cmsuser-companion/skvare-cmsuser-companion.php" "$content_dir/mu-plugins/"
chown -R www-data:www-data "$root_dir"
chmod 600 "$secrets"; chown root:root "$secrets"

# ---- Apache: own listener and vhost ----------------------------------------------------------
log "apache on 127.0.0.1:$port (host $host)"
cat > /etc/apache2/sites-available/cmsuser-civicrm.conf <<APACHE
# Second WordPress (with CiviCRM) for tests/real/civicrm; the first site is cmsuser-wordpress.conf.
Listen 127.0.0.1:$port
<VirtualHost 127.0.0.1:$port>
    ServerName $host
    DocumentRoot /usr/share/wordpress
    SetEnv WORDPRESS_CONFIG localhost
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
    ErrorLog \${APACHE_LOG_DIR}/cmsuser-civicrm-error.log
    CustomLog \${APACHE_LOG_DIR}/cmsuser-civicrm-access.log combined
</VirtualHost>
APACHE
a2enmod -q rewrite >/dev/null
a2ensite -q cmsuser-civicrm >/dev/null
apachectl configtest >/dev/null 2>&1 || { apachectl configtest; exit 1; }
# Graceful: the first site keeps serving, and the PHP extensions installed above get loaded.
apachectl -k graceful
for _ in $(seq 1 30); do curl -s -o /dev/null "$url/wp-login.php" && break; sleep 1; done

# ---- WordPress install -----------------------------------------------------------------------
if curl -s "$url/wp-admin/install.php" | grep -q 'name="weblog_title"'; then
  log "installing WordPress"
  curl -s -o /dev/null -X POST "$url/wp-admin/install.php?step=2" \
    --data-urlencode "weblog_title=CmsUser CiviCRM test site" \
    --data-urlencode "user_name=$admin_user" \
    --data-urlencode "admin_password=$ADMIN_PASSWORD" \
    --data-urlencode "admin_password2=$ADMIN_PASSWORD" \
    --data-urlencode "pw_weak=1" \
    --data-urlencode "admin_email=civi-admin@example.org" \
    --data-urlencode "blog_public=0" \
    --data-urlencode "language="
fi
mysql -uroot "$wp_db" -e "UPDATE wp_options SET option_value='/%postname%/' WHERE option_name='permalink_structure'; DELETE FROM wp_options WHERE option_name='rewrite_rules';"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/wp-json/")" = 200 ] || { echo "WordPress at $url does not answer" >&2; exit 1; }

# ---- CiviCRM code ----------------------------------------------------------------------------
if [ ! -f "$plugin_dir/civicrm.php" ]; then
  [ -n "$civicrm_git" ] && git --git-dir="$civicrm_git" rev-parse HEAD >/dev/null 2>&1 \
    || { echo "usage: $0 <git dir of tadpolecc/civicrm>" >&2; exit 1; }
  log "exporting CiviCRM ($(git --git-dir="$civicrm_git" log -1 --format=%s HEAD))"
  mkdir -p "$plugin_dir"
  git --git-dir="$civicrm_git" archive HEAD | tar -x -C "$plugin_dir"
  chown -R www-data:www-data "$plugin_dir" "$content_dir/uploads"
fi

log "activating the CiviCRM plugin"
as_site activate.php <<PHP
$(php_prelude)
\$active = (array) get_option('active_plugins', []);
if (!in_array('civicrm/civicrm.php', \$active, TRUE)) {
  \$active[] = 'civicrm/civicrm.php';
  update_option('active_plugins', array_values(\$active));
}
echo implode(',', (array) get_option('active_plugins')), "\n";
PHP

# ---- CiviCRM install (Civi\Setup) ------------------------------------------------------------
if [ ! -f "$content_dir/uploads/civicrm/civicrm.settings.php" ]; then
  log "installing CiviCRM into $civi_db (about 15 s)"
  as_site install.php env DB_PASSWORD="$DB_PASSWORD" CIVI_DB="$civi_db" CIVI_DB_USER="$db_user" PLUGIN_DIR="$plugin_dir" <<PHP
$(php_prelude)
wp_set_current_user(1);
\$plugin = getenv('PLUGIN_DIR');
if (!defined('CIVICRM_PLUGIN_DIR')) { define('CIVICRM_PLUGIN_DIR', \$plugin . '/'); }
if (!defined('CIVICRM_PLUGIN_URL')) { define('CIVICRM_PLUGIN_URL', plugin_dir_url(\$plugin . '/civicrm.php')); }
require_once \$plugin . '/civicrm/CRM/Core/ClassLoader.php';
CRM_Core_ClassLoader::singleton()->register();
\Civi\Setup::assertProtocolCompatibility(1.0);
\Civi\Setup::init(['cms' => 'WordPress', 'srcPath' => \$plugin . '/civicrm']);
\$setup = \Civi\Setup::instance();
\$model = \$setup->getModel();
\$model->db = ['server' => 'localhost', 'username' => getenv('CIVI_DB_USER'), 'password' => getenv('DB_PASSWORD'), 'database' => getenv('CIVI_DB')];
\$model->lang = 'en_US';
\$setup->installFiles();
\$setup->installDatabase();
echo "installed\n";
PHP
fi

# ---- API key, extension ----------------------------------------------------------------------
log "extension $ext_key"
mkdir -p "$ext_dir"
rm -rf "${ext_dir:?}/$ext_key"
cp -r "$repo/integrations/civicrm/$ext_key" "$ext_dir/$ext_key"
chown -R www-data:www-data "$ext_dir"

as_site civi.php env CIVI_API_KEY="$CIVI_API_KEY" EXT_KEY="$ext_key" <<PHP
$(php_prelude)
civi_wp()->initialize();
\$cid = CRM_Core_BAO_UFMatch::getContactId(1);
civicrm_api4('Contact', 'update', ['checkPermissions' => FALSE, 'where' => [['id', '=', \$cid]], 'values' => ['api_key' => getenv('CIVI_API_KEY')]]);
// Sees the copied folder, then installs (or upgrades) the extension.
// No internet here: never ask civicrm.org's extension feed (also keeps the system check quiet).
Civi::settings()->set('ext_repo_url', '');
CRM_Extension_System::singleton()->getCache()->flush();
civicrm_api3('Extension', 'refresh', ['local' => 1, 'remote' => 0]);
\$status = CRM_Extension_System::singleton()->getManager()->getStatus(getenv('EXT_KEY'));
if (\$status !== CRM_Extension_Manager::STATUS_INSTALLED) {
  civicrm_api3('Extension', 'install', ['keys' => getenv('EXT_KEY')]);
}
else {
  civicrm_api3('System', 'flush', []);
}
// No internet: the "Update Indicator" job would only log failed look-ups of latest.civicrm.org.
civicrm_api4('Job', 'update', ['checkPermissions' => FALSE, 'where' => [['api_action', '=', 'version_check']], 'values' => ['is_active' => FALSE]]);
echo "admin contact \$cid; extension ", CRM_Extension_System::singleton()->getManager()->getStatus(getenv('EXT_KEY')), "\n";
PHP

# The groups and tags check-webhook.sh and host.sh use.
runuser -u www-data -- env CIVI_HOST="$host" CIVI_PORT="$port" php "$here/boot.php" "$here/data.php" 2>/dev/null

code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/?civiwp=CiviCRM&q=civicrm/ajax/api4/Contact/get" \
  -H "X-Civi-Auth: Bearer $CIVI_API_KEY" -H 'X-Requested-With: XMLHttpRequest' \
  --data-urlencode 'params={"select":["id"],"limit":1}')"
[ "$code" = 200 ] || { echo "CiviCRM API4 answered $code" >&2; exit 1; }

# A WordPress application password for the SDK's WordPress provider: the one in the state file
# while it still works (a host started earlier keeps working), else a new one.
app_password=""
if [ -f "$state" ]; then
  app_password="$(sed -n 's/^CIVI_WP_APP_PASSWORD=//p' "$state")"
  [ -n "$app_password" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$admin_user:$app_password" "$url/wp-json/wp/v2/users/me")" = 200 ] || app_password=""
fi
[ -n "$app_password" ] || app_password="$(as_site app-password.php <<PHP
$(php_prelude)
foreach (WP_Application_Passwords::get_user_application_passwords(1) as \$item) {
  if (\$item['name'] === 'cmsuser-civicrm-tests') {
    WP_Application_Passwords::delete_application_password(1, \$item['uuid']);
  }
}
[\$password] = WP_Application_Passwords::create_new_application_password(1, ['name' => 'cmsuser-civicrm-tests']);
echo \$password;
PHP
)"
code="$(curl -s -o /dev/null -w '%{http_code}' -u "$admin_user:$app_password" "$url/wp-json/skvare-cmsuser/v1/status")"
[ "$code" = 200 ] || { echo "companion plugin status answered $code" >&2; exit 1; }

umask 077
cat > "$state" <<ENV
CIVI_SITE_URL=$url/
CIVI_WP_ADMIN_USER=$admin_user
CIVI_WP_ADMIN_PASSWORD=$ADMIN_PASSWORD
CIVI_WP_APP_PASSWORD=$app_password
CIVI_API_URL='$url/?civiwp=CiviCRM&q=civicrm/ajax/api4/'
CIVI_API_KEY=$CIVI_API_KEY
CIVI_WEBHOOK_SECRET=$WEBHOOK_SECRET
CIVI_CONTENT_DIR=$content_dir
CIVI_EXT_DIR=$ext_dir/$ext_key
ENV
umask 022
log "ready: $url/ (state in $state)"
