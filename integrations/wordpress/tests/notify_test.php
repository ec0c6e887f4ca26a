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

require __DIR__ . '/stand-ins.php';

// ---- checks -------------------------------------------------------------------------------------------------------

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

check(SKVARE_CMSUSER_COMPANION_VERSION === '0.2.3', 'version 0.2.3');

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
