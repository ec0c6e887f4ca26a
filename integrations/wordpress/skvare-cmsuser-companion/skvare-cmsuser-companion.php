<?php
/**
 * Plugin Name:       Skvare CmsUser Companion
 * Description:       REST routes for Skvare.CmsUser: create an account and send its new-account email in one request, look up many accounts at once, send the new-account email, issue a set-password link, block and unblock an account, send a password reset.
 * Version:           0.2.3
 * Requires at least: 5.7
 * Requires PHP:      7.4
 * Author:            Skvare.CmsUser contributors
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 *
 * This program is free software; you can redistribute it and/or modify it under the terms of the
 * GNU General Public License as published by the Free Software Foundation; either version 2 of the
 * License, or (at your option) any later version.
 */

if (!defined('ABSPATH')) {
    exit;
}

define('SKVARE_CMSUSER_COMPANION_VERSION', '0.2.3');
/** Most emails, and most username prefixes, one look-up accepts; most accounts it answers. */
define('SKVARE_CMSUSER_LOOKUP_MAX_TERMS', 500);
define('SKVARE_CMSUSER_LOOKUP_MAX_USERS', 2000);
/** Seconds a create waits for another create of the same email or username (0.2.1) before answering 503. */
define('SKVARE_CMSUSER_CREATE_LOCK_WAIT', 10);
define('SKVARE_CMSUSER_BLOCKED_META', 'skvare_cmsuser_blocked');
/** The roles an account held when it was blocked (0.2.0), given back when it is unblocked. */
define('SKVARE_CMSUSER_BLOCKED_ROLES_META', 'skvare_cmsuser_blocked_roles');

/** Only accounts that may manage users may call these routes. */
function skvare_cmsuser_can_manage() {
    return current_user_can('create_users') || current_user_can('edit_users');
}

/** Resolves the {id} route parameter to a user, or a REST error like core's rest_user_invalid_id. */
function skvare_cmsuser_user(WP_REST_Request $request) {
    $user = get_userdata((int) $request['id']);
    if (!$user) {
        return new WP_Error('rest_user_invalid_id', __('Invalid user ID.'), array('status' => 404));
    }
    if (!current_user_can('edit_user', $user->ID)) {
        return new WP_Error('rest_cannot_edit', __('Sorry, you are not allowed to edit this user.'), array('status' => rest_authorization_required_code()));
    }
    return $user;
}

/**
 * Registers POST /users/{id}/{action}: resolves the user (404, or 401/403 without edit rights) and passes it to
 * $handler, whose array or WP_Error is the answer.
 */
function skvare_cmsuser_user_action($action, callable $handler) {
    register_rest_route('skvare-cmsuser/v1', '/users/(?P<id>[\d]+)/' . $action, array(
        'methods' => WP_REST_Server::CREATABLE,
        'permission_callback' => 'skvare_cmsuser_can_manage',
        'args' => array('id' => array('type' => 'integer', 'required' => true)),
        'callback' => function (WP_REST_Request $request) use ($handler) {
            $user = skvare_cmsuser_user($request);
            return is_wp_error($user) ? $user : $handler($user);
        },
    ));
}

/**
 * The named lock for creates of one email or login on this site's user table. Case-folded, as the usual
 * case-insensitive collation compares them; hashed, so it fits MySQL's 64-character lock names.
 */
function skvare_cmsuser_lock_name($kind, $value) {
    global $wpdb;
    $folded = function_exists('mb_strtolower') ? mb_strtolower($value, 'UTF-8') : strtolower($value);
    return 'skvare_cmsuser_' . $kind . '_' . md5(DB_NAME . '|' . $wpdb->users . '|' . $folded);
}

/** Takes a named lock: true when held, false when another request held it past the wait, null when the database has none. */
function skvare_cmsuser_get_lock($lock) {
    global $wpdb;
    $result = $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, %d)', $lock, SKVARE_CMSUSER_CREATE_LOCK_WAIT));
    if ($result === null) {
        return null;
    }
    return (string) $result === '1';
}

function skvare_cmsuser_release_lock($lock) {
    global $wpdb;
    $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $lock));
}

/**
 * Sends WordPress's new-user email(s) with wp_new_user_notification() and tells whether they went out (0.2.2).
 * wp_new_user_notification() returns nothing and ignores wp_mail()'s result, so the mails are watched while it runs:
 * wp_mail() fires wp_mail_failed when its mailer fails, and a pre_wp_mail filter that answers false (a mail plugin
 * that took over sending and could not send) fails it without that action. Returns true, or the first failure as a
 * WP_Error.
 */
function skvare_cmsuser_new_user_notification($user_id, $notify) {
    $failure = null;
    $on_failed = function ($error) use (&$failure) {
        if ($failure === null) {
            $failure = is_wp_error($error) ? $error : new WP_Error('wp_mail_failed', 'The email could not be sent.');
        }
    };
    // Runs after every other pre_wp_mail filter and changes nothing: it only sees the value wp_mail() will return.
    $on_pre = function ($short) use (&$failure) {
        if ($short === false && $failure === null) {
            $failure = new WP_Error('wp_mail_failed', 'A mail plugin answered that the email could not be sent.');
        }
        return $short;
    };
    add_action('wp_mail_failed', $on_failed);
    add_filter('pre_wp_mail', $on_pre, PHP_INT_MAX);
    try {
        wp_new_user_notification((int) $user_id, null, $notify);
    } finally {
        remove_filter('pre_wp_mail', $on_pre, PHP_INT_MAX);
        remove_action('wp_mail_failed', $on_failed);
    }
    return $failure === null ? true : $failure;
}

/**
 * POST /users?notify=user|both|none: core's user create (the same request is dispatched to /wp/v2/users, so the same
 * checks, errors and answer), then, on success, WordPress's own new-user email in the same HTTP request. The answer
 * is core's (201 with the user, or core's error) plus the header X-Skvare-CmsUser-Notified naming who was mailed.
 * Since 0.2.2 that header says "failed" when the site could not send the email (the account exists all the same, so
 * the answer is still 201): a caller that only trusts "user" or "both" is never told a failed email went out.
 *
 * Core checks email_exists()/username_exists() and then inserts, so two processes creating one email at the same
 * moment would both succeed. Since 0.2.1 the check and insert run under MySQL named locks (email, then username,
 * always in that order): the later create sees the earlier one's row and gets core's existing_user_email /
 * existing_user_login refusal. A create that cannot take a lock within SKVARE_CMSUSER_CREATE_LOCK_WAIT seconds
 * creates nothing and answers 503 skvare_cmsuser_busy (retry later). A database without named locks (GET_LOCK
 * answers NULL) creates as core does, unguarded.
 */
function skvare_cmsuser_create_user(WP_REST_Request $request) {
    $params = $request->get_json_params();
    if (!is_array($params)) {
        $params = $request->get_body_params();
    }
    $params = is_array($params) ? $params : array();
    $held = array();
    try {
        foreach (array('email' => 'email', 'username' => 'login') as $param => $kind) {
            $value = isset($params[$param]) && is_scalar($params[$param]) ? trim((string) $params[$param]) : '';
            if ($value === '') {
                continue;
            }
            $lock = skvare_cmsuser_lock_name($kind, $value);
            $taken = skvare_cmsuser_get_lock($lock);
            if ($taken === false) {
                return new WP_Error(
                    'skvare_cmsuser_busy',
                    sprintf('Another request is creating an account with this %s; nothing was created. Retry later.', $param),
                    array('status' => 503)
                );
            }
            if ($taken === true) {
                $held[] = $lock;
            }
        }
        $inner = new WP_REST_Request('POST', '/wp/v2/users');
        $inner->set_body_params($params);
        $response = rest_ensure_response(rest_do_request($inner));
    } finally {
        foreach (array_reverse($held) as $lock) {
            skvare_cmsuser_release_lock($lock);
        }
    }
    if ($response->is_error() || $response->get_status() !== 201) {
        return $response;
    }
    $notify = $request->get_param('notify');
    $data = $response->get_data();
    if ($notify !== 'none' && is_array($data) && !empty($data['id'])) {
        // 'user': only the account holder gets the "set your password" email; 'both' also tells the site admin.
        $sent = skvare_cmsuser_new_user_notification((int) $data['id'], $notify);
        $response->header('X-Skvare-CmsUser-Notified', $sent === true ? $notify : 'failed');
    }
    return $response;
}

/**
 * An account's creation date as core's REST API answers registered_date (since 0.2.3): ISO 8601 in UTC, gmdate('c'),
 * e.g. 2026-12-01T14:21:40+00:00. wp_insert_user() stores user_registered in UTC as "Y-m-d H:i:s"; core reads it with
 * strtotime(), which relies on WordPress having set PHP's zone to UTC, so it is read as UTC here explicitly. Null for an
 * empty or zero date (accounts imported without one) and for anything that is not such a date: a date read wrong would
 * prove too much to the caller, a missing one proves nothing.
 */
function skvare_cmsuser_registered_date($registered) {
    if (!is_string($registered) || !preg_match('/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/', $registered) || strpos($registered, '0000-00-00') === 0) {
        return null;
    }
    $at = DateTime::createFromFormat('!Y-m-d H:i:s', $registered, new DateTimeZone('UTC'));
    $errors = DateTime::getLastErrors();
    if ($at === false || (is_array($errors) && ($errors['warning_count'] > 0 || $errors['error_count'] > 0))) {
        // An impossible date (month 13, 30 February) that PHP would roll over into another one.
        return null;
    }
    return gmdate('c', $at->getTimestamp());
}

/**
 * POST /users/lookup {"emails":[…],"usernames":[…]}: in one query, the accounts with one of these emails and the
 * accounts whose login starts with one of these names (the database's collation decides case, as username_exists()
 * and email_exists() do). Answers {"users":[{id,username,email,roles,registered_date}],"truncated":bool}; truncated
 * means more than SKVARE_CMSUSER_LOOKUP_MAX_USERS matched and the list is not complete. registered_date (0.2.3) is
 * when the account was created, as core's /wp/v2/users answers it with context=edit (see
 * skvare_cmsuser_registered_date()), so a caller needs no read by id to learn it.
 */
function skvare_cmsuser_lookup_users(WP_REST_Request $request) {
    global $wpdb;
    $clean = function ($values) {
        return array_values(array_unique(array_filter(array_map('strval', (array) $values), 'strlen')));
    };
    $emails = $clean($request->get_param('emails'));
    $prefixes = $clean($request->get_param('usernames'));
    $where = array();
    $args = array();
    if ($emails) {
        $where[] = 'user_email IN (' . implode(',', array_fill(0, count($emails), '%s')) . ')';
        $args = array_merge($args, $emails);
    }
    foreach ($prefixes as $prefix) {
        $where[] = 'user_login LIKE %s';
        $args[] = $wpdb->esc_like($prefix) . '%';
    }
    if (!$where) {
        return array('users' => array(), 'truncated' => false);
    }
    $sql = "SELECT ID FROM {$wpdb->users} WHERE " . implode(' OR ', $where) . ' ORDER BY ID LIMIT ' . (SKVARE_CMSUSER_LOOKUP_MAX_USERS + 1);
    $ids = array_map('intval', $wpdb->get_col($wpdb->prepare($sql, $args)));
    $truncated = count($ids) > SKVARE_CMSUSER_LOOKUP_MAX_USERS;
    $ids = array_slice($ids, 0, SKVARE_CMSUSER_LOOKUP_MAX_USERS);
    cache_users($ids);
    $users = array();
    foreach ($ids as $id) {
        $user = get_userdata($id);
        if ($user) {
            $users[] = array(
                'id' => (int) $user->ID,
                'username' => $user->user_login,
                'email' => $user->user_email,
                'roles' => array_values($user->roles),
                'registered_date' => skvare_cmsuser_registered_date($user->user_registered),
            );
        }
    }
    return array('users' => $users, 'truncated' => $truncated);
}

add_action('rest_api_init', function () {
    register_rest_route('skvare-cmsuser/v1', '/users', array(
        'methods' => WP_REST_Server::CREATABLE,
        'permission_callback' => 'skvare_cmsuser_can_manage',
        'args' => array(
            'notify' => array('type' => 'string', 'enum' => array('none', 'user', 'both'), 'default' => 'none'),
        ),
        'callback' => 'skvare_cmsuser_create_user',
    ));

    register_rest_route('skvare-cmsuser/v1', '/users/lookup', array(
        'methods' => WP_REST_Server::CREATABLE,
        'permission_callback' => function () {
            return current_user_can('list_users');
        },
        'args' => array(
            'emails' => array('type' => 'array', 'items' => array('type' => 'string'), 'maxItems' => SKVARE_CMSUSER_LOOKUP_MAX_TERMS, 'default' => array()),
            'usernames' => array('type' => 'array', 'items' => array('type' => 'string', 'minLength' => 1), 'maxItems' => SKVARE_CMSUSER_LOOKUP_MAX_TERMS, 'default' => array()),
        ),
        'callback' => 'skvare_cmsuser_lookup_users',
    ));

    register_rest_route('skvare-cmsuser/v1', '/status', array(
        'methods' => WP_REST_Server::READABLE,
        'permission_callback' => 'skvare_cmsuser_can_manage',
        'callback' => function () {
            return array('version' => SKVARE_CMSUSER_COMPANION_VERSION, 'wordpress' => get_bloginfo('version'));
        },
    ));

    skvare_cmsuser_user_action('notify', function (WP_User $user) {
        // 'user' = only the account holder gets the "set your password" email, not the admin.
        $sent = skvare_cmsuser_new_user_notification($user->ID, 'user');
        if (is_wp_error($sent)) {
            // As the reset route (0.2.2): the site could not send mail, a server-side problem, not the caller's.
            return new WP_Error('skvare_cmsuser_notify_failed', $sent->get_error_message(), array('status' => 503));
        }
        return array('sent' => true);
    });

    skvare_cmsuser_user_action('reset', function (WP_User $user) {
        $result = retrieve_password($user->user_login);
        if (is_wp_error($result)) {
            // Mostly "the email could not be sent": a server-side problem, not the caller's.
            return new WP_Error('skvare_cmsuser_reset_failed', $result->get_error_message(), array('status' => 503));
        }
        return array('sent' => true);
    });

    skvare_cmsuser_user_action('login-link', function (WP_User $user) {
        $key = get_password_reset_key($user);
        if (is_wp_error($key)) {
            return new WP_Error('skvare_cmsuser_key_failed', $key->get_error_message(), array('status' => 500));
        }
        $url = network_site_url('wp-login.php?action=rp&key=' . $key . '&login=' . rawurlencode($user->user_login), 'login');
        return array('url' => $url);
    });

    skvare_cmsuser_user_action('block', function (WP_User $user) {
        if ($user->ID === get_current_user_id()) {
            return new WP_Error('skvare_cmsuser_block_self', 'The API account cannot block itself.', array('status' => 400));
        }
        if (!get_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_META, true)) {
            // Kept for the unblock route; a repeated block keeps the roles of the first one.
            update_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_ROLES_META, array_values($user->roles));
        }
        $user->set_role('');
        update_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_META, gmdate('c'));
        // End open sessions so the block takes effect at once.
        WP_Session_Tokens::get_instance($user->ID)->destroy_all();
        return array('blocked' => true);
    });

    // Lifts a block of the block route: the account can log in again and gets back the roles it held when it
    // was blocked (those that still exist). An account that is not blocked is left as it is.
    skvare_cmsuser_user_action('unblock', function (WP_User $user) {
        if (get_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_META, true)) {
            $saved = get_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_ROLES_META, true);
            foreach (is_array($saved) ? $saved : array() as $role) {
                if (is_string($role) && wp_roles()->is_role($role)) {
                    $user->add_role($role);
                }
            }
            delete_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_ROLES_META);
            delete_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_META);
        }
        return array('unblocked' => true, 'roles' => array_values($user->roles));
    });
});

/** A blocked account cannot log in, with its password or an application password. */
add_filter('authenticate', function ($user) {
    if ($user instanceof WP_User && get_user_meta($user->ID, SKVARE_CMSUSER_BLOCKED_META, true)) {
        return new WP_Error('skvare_cmsuser_blocked', __('Your account has been blocked.'));
    }
    return $user;
}, 100);

/**
 * Every REST answer to an account that manages users carries the PHP time of the request (Server-Timing, in
 * milliseconds from PHP's request start to the answer being ready), so a client can tell server time from network.
 */
add_filter('rest_post_dispatch', function ($response) {
    if ($response instanceof WP_REST_Response && isset($_SERVER['REQUEST_TIME_FLOAT']) && skvare_cmsuser_can_manage()) {
        $response->header('Server-Timing', sprintf('app;dur=%.1f', (microtime(true) - (float) $_SERVER['REQUEST_TIME_FLOAT']) * 1000));
    }
    return $response;
}, 1000);

/**
 * GET /roles (0.2.3): every role of the site, so Skvare.CmsUser checks the roles its rules name before a run (core's
 * REST API lists no roles). "assignable" says whether the calling account may give the role: core's create and update
 * refuse a role outside get_editable_roles() with rest_user_invalid_role.
 */
function skvare_cmsuser_list_roles() {
    if (!function_exists('get_editable_roles')) {
        require_once ABSPATH . 'wp-admin/includes/user.php';
    }
    $editable = get_editable_roles();
    $roles = array();
    foreach (wp_roles()->roles as $name => $role) {
        $roles[] = array(
            'name' => (string) $name,
            'label' => translate_user_role($role['name']),
            'assignable' => isset($editable[$name]),
        );
    }
    return array('roles' => $roles);
}

add_action('rest_api_init', function () {
    register_rest_route('skvare-cmsuser/v1', '/roles', array(
        'methods' => WP_REST_Server::READABLE,
        'permission_callback' => 'skvare_cmsuser_can_manage',
        'callback' => 'skvare_cmsuser_list_roles',
    ));
});
