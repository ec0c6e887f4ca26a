<?php
/*
 * Boots the second WordPress site (tests/real/civicrm/setup.sh) and its CiviCRM for a PHP
 * script run from the command line as www-data:
 *
 *   runuser -u www-data -- php tests/real/civicrm/boot.php some-script.php [args…]
 *
 * The script then runs with CiviCRM initialised and the WordPress admin (user 1) logged in.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
$host = getenv('CIVI_HOST') ?: 'localhost';
$port = getenv('CIVI_PORT') ?: '8082';
$_SERVER['WORDPRESS_CONFIG'] = 'localhost';
$_SERVER['HTTP_HOST'] = $host . ':' . $port;
$_SERVER['SERVER_NAME'] = $host;
$_SERVER['SERVER_PORT'] = $port;
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$script = $argv[1] ?? NULL;
if ($script === NULL || !is_file($script)) {
  fwrite(STDERR, "usage: php boot.php <script.php> [args…]\n");
  exit(2);
}
require '/usr/share/wordpress/wp-load.php';
wp_set_current_user(1);
civi_wp()->initialize();
array_shift($argv);
$argc = count($argv);
require $script;
