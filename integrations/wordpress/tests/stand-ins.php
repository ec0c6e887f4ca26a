<?php
/**
 * Stand-ins for the WordPress functions and classes the companion plugin calls, for its php-cli tests: loads the
 * plugin, registers its routes, and gives check(). Required by notify_test.php and lookup_test.php.
 *
 * Copyright Skvare.CmsUser contributors. GPL-2.0-or-later: you can redistribute it and/or modify it under the terms
 * of the GNU General Public License as published by the Free Software Foundation; either version 2 of the License,
 * or (at your option) any later version.
 */

define('ABSPATH', __DIR__ . '/');
define('DB_NAME', 'wp_test');

$GLOBALS['hooks'] = array();
function add_filter($name, $callback, $priority = 10, $args = 1) {
    $GLOBALS['hooks'][$name][$priority][] = $callback;
    return true;
}
function add_action($name, $callback, $priority = 10, $args = 1) {
    return add_filter($name, $callback, $priority, $args);
}
function remove_filter($name, $callback, $priority = 10) {
    foreach ($GLOBALS['hooks'][$name][$priority] ?? array() as $i => $known) {
        if ($known === $callback) {
            unset($GLOBALS['hooks'][$name][$priority][$i]);
            return true;
        }
    }
    return false;
}
function remove_action($name, $callback, $priority = 10) {
    return remove_filter($name, $callback, $priority);
}
function hook_count($name) {
    $count = 0;
    foreach ($GLOBALS['hooks'][$name] ?? array() as $callbacks) {
        $count += count($callbacks);
    }
    return $count;
}
function apply_filters($name, $value, ...$args) {
    $byPriority = $GLOBALS['hooks'][$name] ?? array();
    ksort($byPriority);
    foreach ($byPriority as $callbacks) {
        foreach ($callbacks as $callback) {
            $value = $callback($value, ...$args);
        }
    }
    return $value;
}
function do_action($name, ...$args) {
    $byPriority = $GLOBALS['hooks'][$name] ?? array();
    ksort($byPriority);
    foreach ($byPriority as $callbacks) {
        foreach ($callbacks as $callback) {
            $callback(...$args);
        }
    }
}

class WP_Error {
    public $code;
    public $message;
    public $data;
    public function __construct($code = '', $message = '', $data = '') {
        $this->code = $code;
        $this->message = $message;
        $this->data = $data;
    }
    public function get_error_code() { return $this->code; }
    public function get_error_message() { return $this->message; }
    public function get_error_data() { return $this->data; }
}
function is_wp_error($thing) { return $thing instanceof WP_Error; }
function __($text) { return $text; }

class WP_REST_Server {
    const READABLE = 'GET';
    const CREATABLE = 'POST';
}
class WP_REST_Request implements ArrayAccess {
    private $params = array();
    private $body = array();
    public function __construct($method = 'GET', $route = '') {}
    public function set_param($key, $value) { $this->params[$key] = $value; }
    public function get_param($key) { return $this->params[$key] ?? null; }
    public function set_body_params($params) { $this->body = $params; }
    public function get_body_params() { return $this->body; }
    public function get_json_params() { return $this->body; }
    public function offsetExists($key): bool { return isset($this->params[$key]); }
    #[\ReturnTypeWillChange]
    public function offsetGet($key) { return $this->params[$key] ?? null; }
    public function offsetSet($key, $value): void { $this->params[$key] = $value; }
    public function offsetUnset($key): void { unset($this->params[$key]); }
}
class WP_REST_Response {
    private $data;
    private $status;
    private $headers = array();
    public function __construct($data = null, $status = 200) {
        $this->data = $data;
        $this->status = $status;
    }
    public function get_data() { return $this->data; }
    public function get_status() { return $this->status; }
    public function is_error() { return $this->status >= 400; }
    public function header($name, $value) { $this->headers[$name] = $value; }
    public function get_headers() { return $this->headers; }
}
function rest_ensure_response($answer) { return $answer instanceof WP_REST_Response ? $answer : new WP_REST_Response($answer); }
function rest_authorization_required_code() { return 403; }

class WP_User {
    public $ID;
    public $user_login;
    public $user_email;
    public $roles = array('subscriber');
    /** As wp_insert_user() stores it: UTC, "Y-m-d H:i:s". */
    public $user_registered;
    public function __construct($id, $login, $email, $registered = '2026-12-01 14:21:40') {
        $this->ID = $id;
        $this->user_login = $login;
        $this->user_email = $email;
        $this->user_registered = $registered;
    }
}
$GLOBALS['users'] = array();
function get_userdata($id) { return $GLOBALS['users'][$id] ?? false; }
function current_user_can($capability, ...$args) { return true; }

/** Core's create, as dispatched by the plugin: stores the user and answers 201 with it. */
function rest_do_request(WP_REST_Request $inner) {
    $params = $inner->get_body_params();
    $id = count($GLOBALS['users']) + 2;
    $GLOBALS['users'][$id] = new WP_User($id, $params['username'], $params['email']);
    return new WP_REST_Response(array('id' => $id, 'username' => $params['username'], 'email' => $params['email']), 201);
}

/**
 * $wpdb: named locks always granted; the look-up's query is answered from $GLOBALS['users'] (emails compared and
 * login prefixes matched without case, as the usual collation does), ids ascending, at most the query's LIMIT.
 */
class Test_WPDB {
    public $users = 'wp_users';
    public $last_args = array();
    public function prepare($sql, ...$args) {
        $this->last_args = count($args) === 1 && is_array($args[0]) ? $args[0] : $args;
        return $sql;
    }
    public function get_var($sql) { return '1'; }
    public function query($sql) { return 1; }
    public function esc_like($text) { return addcslashes($text, '_%\\'); }
    public function get_col($sql) {
        $emails = array();
        $prefixes = array();
        foreach ($this->last_args as $arg) {
            if (substr($arg, -1) === '%') {
                $prefixes[] = stripcslashes(substr($arg, 0, -1));
            } else {
                $emails[] = $arg;
            }
        }
        $ids = array();
        foreach ($GLOBALS['users'] as $id => $user) {
            $match = in_array(strtolower($user->user_email), array_map('strtolower', $emails), true);
            foreach ($prefixes as $prefix) {
                $match = $match || stripos($user->user_login, $prefix) === 0;
            }
            if ($match) {
                $ids[] = (string) $id;
            }
        }
        sort($ids);
        preg_match('/LIMIT (\d+)/', $sql, $limit);
        return array_slice($ids, 0, (int) $limit[1]);
    }
}
function cache_users($ids) {}
$GLOBALS['wpdb'] = new Test_WPDB();

/** How the site's mail behaves: 'works', 'fails' (the mailer fails: wp_mail_failed), 'short-false' (a pre_wp_mail plugin says false). */
$GLOBALS['mail_mode'] = 'works';
$GLOBALS['mails'] = array();
function wp_mail($to, $subject, $message) {
    $atts = array('to' => $to, 'subject' => $subject, 'message' => $message);
    if ($GLOBALS['mail_mode'] === 'short-false') {
        add_filter('pre_wp_mail', function () { return false; }, 10);
    }
    $short = apply_filters('pre_wp_mail', null, $atts);
    if ($GLOBALS['mail_mode'] === 'short-false') {
        unset($GLOBALS['hooks']['pre_wp_mail'][10]);
    }
    if ($short !== null) {
        return $short;
    }
    if ($GLOBALS['mail_mode'] === 'fails') {
        do_action('wp_mail_failed', new WP_Error('wp_mail_failed', 'Could not instantiate mail function.', $atts));
        return false;
    }
    $GLOBALS['mails'][] = $atts;
    return true;
}
/** As core's: mails the admin for 'both' (or 'admin'), the user unless 'admin'; returns nothing either way. */
function wp_new_user_notification($user_id, $deprecated = null, $notify = '') {
    $user = get_userdata($user_id);
    if ($notify !== 'user') {
        wp_mail('admin@example.org', 'New User Registration', 'New user ' . $user->user_login);
    }
    if ($notify !== 'admin') {
        wp_mail($user->user_email, 'Login Details', 'Set your password');
    }
}

// The roles route (0.2.3): wp_roles() and get_editable_roles() as on a site whose editable_roles filter hides one role.
class WP_Roles_Stand_In {
    public $roles = array(
        'administrator' => array('name' => 'Administrator'),
        'subscriber' => array('name' => 'Subscriber'),
        'shop_manager' => array('name' => 'Shop manager'),
    );
}
function wp_roles() { return new WP_Roles_Stand_In(); }
function get_editable_roles() { $all = wp_roles()->roles; unset($all['shop_manager']); return $all; }
function translate_user_role($name) { return $name; }

$GLOBALS['routes'] = array();
function register_rest_route($namespace, $route, $args) {
    $GLOBALS['routes'][$route] = $args;
    return true;
}

require dirname(__DIR__) . '/skvare-cmsuser-companion/skvare-cmsuser-companion.php';
do_action('rest_api_init');

$failures = 0;
function check($condition, $what) {
    global $failures;
    echo ($condition ? 'ok   ' : 'FAIL ') . $what . "\n";
    if (!$condition) {
        $failures++;
    }
}
