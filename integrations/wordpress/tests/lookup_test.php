<?php
/**
 * php-cli test of the companion plugin's look-up route over WordPress stand-ins: the accounts it answers and, since
 * 0.2.3, each one's registered_date in the form core's REST API gives it (ISO 8601, UTC, gmdate('c')) whatever PHP's
 * default time zone is, null for a date WordPress does not hold as one. Exit code 0 when every check passed.
 *
 * Copyright Skvare.CmsUser contributors. GPL-2.0-or-later: you can redistribute it and/or modify it under the terms
 * of the GNU General Public License as published by the Free Software Foundation; either version 2 of the License,
 * or (at your option) any later version.
 */

require __DIR__ . '/stand-ins.php';

// ---- checks -------------------------------------------------------------------------------------------------------

function lookup($emails, $usernames) {
    $request = new WP_REST_Request('POST', '/skvare-cmsuser/v1/users/lookup');
    $request->set_param('emails', $emails);
    $request->set_param('usernames', $usernames);
    return call_user_func($GLOBALS['routes']['/users/lookup']['callback'], $request);
}

/** The answer's user with this id. */
function user_in($answer, $id) {
    foreach ($answer['users'] as $user) {
        if ($user['id'] === $id) {
            return $user;
        }
    }
    return null;
}

check(SKVARE_CMSUSER_COMPANION_VERSION === '0.2.3', 'version 0.2.3');

$GLOBALS['users'] = array(
    7 => new WP_User(7, 'ana.lima', 'ana@example.org', '2026-12-01 14:21:40'),
    8 => new WP_User(8, 'ana.lima2', 'other@example.org', '2026-02-28 23:59:59'),
    9 => new WP_User(9, 'imported', 'imported@example.org', '0000-00-00 00:00:00'),
    10 => new WP_User(10, 'odd', 'odd@example.org', '2026-13-45 10:00:00'),
    11 => new WP_User(11, 'blank', 'blank@example.org', ''),
);

// The core form, in UTC, whatever zone PHP runs in (WordPress sets UTC; a CLI script or a plugin may not).
foreach (array('UTC', 'Asia/Tokyo', 'America/New_York', 'Pacific/Chatham') as $zone) {
    date_default_timezone_set($zone);
    $answer = lookup(array('ana@example.org'), array('ana.'));
    check(array_map(function ($u) { return $u['id']; }, $answer['users']) === array(7, 8) && $answer['truncated'] === false, "$zone: the email's and the prefix's accounts, by id");
    check(user_in($answer, 7) === array('id' => 7, 'username' => 'ana.lima', 'email' => 'ana@example.org', 'roles' => array('subscriber'), 'registered_date' => '2026-12-01T14:21:40+00:00'), "$zone: registered_date 2026-12-01T14:21:40+00:00");
    check(user_in($answer, 8)['registered_date'] === '2026-02-28T23:59:59+00:00', "$zone: the last second of a day stays on its day");
    // What core answers for the same value (gmdate('c', strtotime(...)) with WordPress's UTC zone).
    $previous = date_default_timezone_get();
    date_default_timezone_set('UTC');
    $core = gmdate('c', strtotime('2026-12-01 14:21:40'));
    date_default_timezone_set($previous);
    check(user_in($answer, 7)['registered_date'] === $core, "$zone: the same text core's /wp/v2/users answers");
}
date_default_timezone_set('UTC');

// A date WordPress does not hold as one: null, never a guess.
$answer = lookup(array('imported@example.org', 'odd@example.org', 'blank@example.org'), array());
check(count($answer['users']) === 3, 'the accounts without a usable date are still answered');
check(user_in($answer, 9)['registered_date'] === null, 'a zero date (0000-00-00 00:00:00) is null');
check(user_in($answer, 10)['registered_date'] === null, 'an impossible date (month 13) is null, not rolled over');
check(user_in($answer, 11)['registered_date'] === null, 'an empty date is null');
foreach (array(null, 17, '2026-12-01', '2026-12-01T14:21:40', '2026-12-01 14:21:40+09:00', ' 2026-12-01 14:21:40', '2026-02-30 10:00:00') as $odd) {
    check(skvare_cmsuser_registered_date($odd) === null, 'not a stored date: ' . var_export($odd, true));
}
check(skvare_cmsuser_registered_date('1970-01-01 00:00:00') === '1970-01-01T00:00:00+00:00', 'the epoch');
check(skvare_cmsuser_registered_date('2038-01-19 03:14:08') === '2038-01-19T03:14:08+00:00', 'after 2038');

// No terms: nothing asked.
check(lookup(array(), array()) === array('users' => array(), 'truncated' => false), 'no terms: no users');

echo $failures === 0 ? "All checks passed.\n" : "$failures check(s) failed.\n";
exit($failures === 0 ? 0 : 1);
