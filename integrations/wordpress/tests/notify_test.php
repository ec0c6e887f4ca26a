<?php
/**
 * php-cli test of the companion plugin's new-account email reporting (0.2.2), over WordPress stand-ins: the create
 * route's X-Skvare-CmsUser-Notified header and the notify route's answer, when wp_mail() succeeds, when it fails
 * (wp_mail_failed) and when a pre_wp_mail filter answers false; and the roles route (0.2.3). Exit code 0 when every
 * check passed.
 *
 * Copyright Skvare.CmsUser contributors. GPL-2.0-or-later: you can redistribute it and/or modify it under the terms
 * of the GNU General Public License as published by the Free Software Foundation; either version 2 of the License,
 * or (at your option) any later version.
 */

define('ABSPATH', __DIR__ . '/');
define('DB_NAME', 'wp_test');

// ---- stand-ins for the WordPress functions and classes the plugin calls -----------------------------------------

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
    public function __construct($id, $login, $email) {
        $this->ID = $id;
        $this->user_login = $login;
        $this->user_email = $email;
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

/** $wpdb: named locks always granted. */
class Test_WPDB {
    public $users = 'wp_users';
    public function prepare($sql, ...$args) { return $sql; }
    public function get_var($sql) { return '1'; }
    public function query($sql) { return 1; }
}
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

// ---- checks -------------------------------------------------------------------------------------------------------

$failures = 0;
function check($condition, $what) {
    global $failures;
    echo ($condition ? 'ok   ' : 'FAIL ') . $what . "\n";
    if (!$condition) {
        $failures++;
    }
}

function create($username, $notify) {
    $request = new WP_REST_Request('POST', '/skvare-cmsuser/v1/users');
    $request->set_body_params(array('username' => $username, 'email' => $username . '@example.org', 'password' => 'x'));
    $request->set_param('notify', $notify);
    return call_user_func($GLOBALS['routes']['/users']['callback'], $request);
}

function notify($id) {
    $request = new WP_REST_Request('POST', '/skvare-cmsuser/v1/users/' . $id . '/notify');
    $request->set_param('id', $id);
    return call_user_func($GLOBALS['routes']['/users/(?P<id>[\d]+)/notify']['callback'], $request);
}

function notified($response) {
    $headers = $response->get_headers();
    return $headers['X-Skvare-CmsUser-Notified'] ?? null;
}

check(SKVARE_CMSUSER_COMPANION_VERSION === '0.2.2', 'version 0.2.2');

// Mail works: the header names who was mailed, notify answers sent.
$GLOBALS['mail_mode'] = 'works';
$answer = create('works', 'user');
check($answer->get_status() === 201 && notified($answer) === 'user', 'create, mail works: 201 and Notified: user');
check(count($GLOBALS['mails']) === 1 && $GLOBALS['mails'][0]['to'] === 'works@example.org', 'create, mail works: one email to the account holder');
$answer = create('both', 'both');
check(notified($answer) === 'both' && count($GLOBALS['mails']) === 3, 'create notify=both, mail works: Notified: both, admin and user mailed');
$answer = create('none', 'none');
check($answer->get_status() === 201 && notified($answer) === null && count($GLOBALS['mails']) === 3, 'create notify=none: no header, no email');
$id = $answer->get_data()['id'];
$sent = notify($id);
check($sent === array('sent' => true), 'notify, mail works: {"sent":true}');

// The mailer fails (wp_mail_failed): the account exists (201) but the header says failed; notify answers 503.
foreach (array('fails' => 'wp_mail_failed', 'short-false' => 'pre_wp_mail answering false') as $mode => $label) {
    $GLOBALS['mail_mode'] = $mode;
    $before = count($GLOBALS['users']);
    $answer = create('nomail-' . $mode, 'user');
    check($answer->get_status() === 201 && count($GLOBALS['users']) === $before + 1, "create, $label: 201, the account exists");
    check(notified($answer) === 'failed', "create, $label: Notified: failed (not \"user\")");
    $answer = create('nomail-both-' . $mode, 'both');
    check(notified($answer) === 'failed', "create notify=both, $label: Notified: failed");
    $error = notify($id);
    check(is_wp_error($error) && $error->get_error_code() === 'skvare_cmsuser_notify_failed', "notify, $label: skvare_cmsuser_notify_failed");
    check(is_wp_error($error) && ($error->get_error_data()['status'] ?? null) === 503, "notify, $label: status 503");
    check(is_wp_error($error) && $error->get_error_message() !== '', "notify, $label: a message");
}
check(strpos(notify($id)->get_error_message(), 'Could not instantiate') === false, 'notify, pre_wp_mail false: its own message');
$GLOBALS['mail_mode'] = 'fails';
check(notify($id)->get_error_message() === 'Could not instantiate mail function.', "notify, wp_mail_failed: the mailer's message");

// The watchers are removed after each send: a later working mail is reported sent, and no hook is left behind.
$GLOBALS['mail_mode'] = 'works';
check(notified(create('again', 'user')) === 'user', 'create after failures, mail works: Notified: user');
check(notify($id) === array('sent' => true), 'notify after failures, mail works: {"sent":true}');
check(hook_count('wp_mail_failed') === 0 && hook_count('pre_wp_mail') === 0, 'no wp_mail_failed or pre_wp_mail hook left behind');

// A failure outside the notification (another plugin's mail later in the request) is not counted.
do_action('wp_mail_failed', new WP_Error('wp_mail_failed', 'unrelated'));
check(notified(create('later', 'user')) === 'user', 'an earlier unrelated mail failure does not mark the next create');

// GET /roles (0.2.3): every role with its label, and whether the caller may give it.
$roles = call_user_func($GLOBALS['routes']['/roles']['callback']);
check($GLOBALS['routes']['/roles']['methods'] === WP_REST_Server::READABLE, 'roles: a GET route');
check($roles === array('roles' => array(
    array('name' => 'administrator', 'label' => 'Administrator', 'assignable' => true),
    array('name' => 'subscriber', 'label' => 'Subscriber', 'assignable' => true),
    array('name' => 'shop_manager', 'label' => 'Shop manager', 'assignable' => false),
)), 'roles: every role, labelled, assignable only when editable');

echo $failures === 0 ? "All checks passed.\n" : "$failures check(s) failed.\n";
exit($failures === 0 ? 0 : 1);
