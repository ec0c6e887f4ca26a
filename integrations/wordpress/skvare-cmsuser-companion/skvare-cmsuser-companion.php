<?php
/**
 * Plugin Name:       Skvare CmsUser Companion
 * Description:       REST routes for Skvare.CmsUser: send the new-account email, issue a set-password link, block an account, send a password reset.
 * Version:           0.2.0
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

define('SKVARE_CMSUSER_COMPANION_VERSION', '0.2.0');
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

add_action('rest_api_init', function () {
    register_rest_route('skvare-cmsuser/v1', '/status', array(
        'methods' => WP_REST_Server::READABLE,
        'permission_callback' => 'skvare_cmsuser_can_manage',
        'callback' => function () {
            return array('version' => SKVARE_CMSUSER_COMPANION_VERSION, 'wordpress' => get_bloginfo('version'));
        },
    ));

    skvare_cmsuser_user_action('notify', function (WP_User $user) {
        // 'user' = only the account holder gets the "set your password" email, not the admin.
        wp_new_user_notification($user->ID, null, 'user');
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
