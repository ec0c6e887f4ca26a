<?php
/**
 * @file
 * Tests of cmsuser_provision.rules.inc with a plain PHP CLI (no Backdrop, no
 * PHPUnit): php integrations/backdrop/tests/cmsuser_provision_rules_test.php
 * Prints one line per failed check and "N checks, N failed"; exits 1 when a
 * check failed.
 *
 * The expectations come from Backdrop 1.28 as observed on a real site and in
 * core's user module: "Reject weak passwords" refuses "a" and "password"
 * (fair threshold 50), accepts a long mixed password, and a disabled language
 * or a timezone alias is refused.
 */

require_once __DIR__ . '/../cmsuser_provision/cmsuser_provision.rules.inc';

require_once __DIR__ . '/harness.php';

// Request bodies.
check('empty body is {}', cmsuser_provision_decode_body('', ''), array('body' => array()));
check('blank body is {}', cmsuser_provision_decode_body("  \n", 'text/plain'), array('body' => array()));
check('form body is refused', cmsuser_provision_decode_body('name=x', 'application/x-www-form-urlencoded'), array('error' => 'unsupported_media_type'));
check('json with charset', cmsuser_provision_decode_body('{"a":1}', 'Application/JSON; charset=utf-8'), array('body' => array('a' => 1)));
check('broken json', cmsuser_provision_decode_body('{"a":', 'application/json'), array('error' => 'invalid_json'));
check('json list', cmsuser_provision_decode_body('[1,2]', 'application/json'), array('error' => 'invalid_json'));
check('json scalar', cmsuser_provision_decode_body('"x"', 'application/json'), array('error' => 'invalid_json'));
check('empty json list counts as {}', cmsuser_provision_decode_body('[]', 'application/json'), array('body' => array()));

// Look-up parameters.
check('mail only', cmsuser_provision_lookup_choice(array('mail' => 'a@example.org')), array('mail', 'a@example.org'));
check('name only', cmsuser_provision_lookup_choice(array('name' => 'eval.alice ')), array('name', 'eval.alice '));
check('both', cmsuser_provision_lookup_choice(array('mail' => 'a@example.org', 'name' => 'a')), NULL);
check('neither', cmsuser_provision_lookup_choice(array('q' => 'x')), NULL);
check('empty mail', cmsuser_provision_lookup_choice(array('mail' => '')), NULL);
check('array mail', cmsuser_provision_lookup_choice(array('mail' => array('a'))), NULL);

// Roles.
$known = array('authenticated', 'editor', 'member');
check('known roles', cmsuser_provision_role_problem(array('member', 'authenticated'), $known), NULL);
check('unknown role', cmsuser_provision_role_problem(array('member', 'no_such_role'), $known), 'Unknown role: no_such_role. Use role machine names.');
check('anonymous is not assignable', cmsuser_provision_role_problem(array('anonymous'), $known), 'Unknown role: anonymous. Use role machine names.');
check('numeric role', cmsuser_provision_role_problem(array(5), $known), 'Unknown role: integer. Use role machine names.');
check('decimal role', cmsuser_provision_role_problem(array(1.5), $known), 'Unknown role: double. Use role machine names.');
check('null role', cmsuser_provision_role_problem(array(NULL), $known), 'Unknown role: NULL. Use role machine names.');
check('boolean role', cmsuser_provision_role_problem(array(TRUE), $known), 'Unknown role: boolean. Use role machine names.');
check('object role', cmsuser_provision_role_problem(array(array('x' => 1)), $known), 'Unknown role: array. Use role machine names.');
check('role case matters', cmsuser_provision_role_problem(array('Editor'), $known), 'Unknown role: Editor. Use role machine names.');
check('create roles drop authenticated and repeats', cmsuser_provision_roles_to_store(array(), array('member', 'authenticated', 'editor', 'member')), array('member', 'editor'));
check('added roles are appended', cmsuser_provision_roles_to_store(array('authenticated', 'member'), array('editor', 'member')), array('authenticated', 'member', 'editor'));
check('nothing new keeps the list', cmsuser_provision_roles_to_store(array('authenticated', 'editor', 'member'), array('editor', 'authenticated')), array('authenticated', 'editor', 'member'));
check('public roles', cmsuser_provision_public_roles(array('authenticated', 'editor', 'member')), array('editor', 'member'));
// Removing roles (deprovisioning): the others stay in their order, authenticated always stays.
check('removes the given roles', cmsuser_provision_roles_after_removal(array('authenticated', 'editor', 'member'), array('member')), array('authenticated', 'editor'));
check('keeps the order of the others', cmsuser_provision_roles_after_removal(array('member', 'authenticated', 'editor', 'staff'), array('editor')), array('member', 'authenticated', 'staff'));
check('authenticated is never removed', cmsuser_provision_roles_after_removal(array('authenticated', 'member'), array('authenticated', 'member')), array('authenticated'));
check('roles not held are ignored', cmsuser_provision_roles_after_removal(array('authenticated', 'editor'), array('member')), array('authenticated', 'editor'));
check('nothing to remove', cmsuser_provision_roles_after_removal(array('authenticated', 'editor'), array()), array('authenticated', 'editor'));
check('removal is exact (case matters)', cmsuser_provision_roles_after_removal(array('authenticated', 'editor'), array('Editor')), array('authenticated', 'editor'));
check('a repeat is a no-op', cmsuser_provision_roles_after_removal(cmsuser_provision_roles_after_removal(array('authenticated', 'editor', 'member'), array('member')), array('member')), array('authenticated', 'editor'));
check('add then remove gives the roles back as they were', cmsuser_provision_roles_after_removal(cmsuser_provision_roles_to_store(array('authenticated', 'editor'), array('member')), array('member')), array('authenticated', 'editor'));
check('is list', cmsuser_provision_is_list(array('a', 'b')), TRUE);
check('object is not a list', cmsuser_provision_is_list(array('a' => 'b')), FALSE);
check('string is not a list', cmsuser_provision_is_list('a'), FALSE);

// Languages: English and German enabled, French added but disabled.
$enabled = array('en', 'de');
check('enabled language', cmsuser_provision_language_allowed('de', $enabled), TRUE);
check('disabled language', cmsuser_provision_language_allowed('fr', $enabled), FALSE);
check('missing language', cmsuser_provision_language_allowed('pt-br', $enabled), FALSE);
check('language case matters', cmsuser_provision_language_allowed('DE', $enabled), FALSE);
check('language must be a string', cmsuser_provision_language_allowed(1, array('1')), FALSE);

// Timezones: exact PHP identifiers only.
$zones = timezone_identifiers_list();
check('Europe/Berlin', cmsuser_provision_timezone_allowed('Europe/Berlin', $zones), TRUE);
check('UTC', cmsuser_provision_timezone_allowed('UTC', $zones), TRUE);
check('alias US/Eastern', cmsuser_provision_timezone_allowed('US/Eastern', $zones), FALSE);
check('Windows name', cmsuser_provision_timezone_allowed('W. Europe Standard Time', $zones), FALSE);
check('other case', cmsuser_provision_timezone_allowed('europe/berlin', $zones), FALSE);
check('not a string', cmsuser_provision_timezone_allowed(array('Europe/Berlin'), $zones), FALSE);

// Password strength, on Backdrop's scale (fair 50, good 70, strong 90).
check_true('"a" is weak', cmsuser_provision_password_strength('a', 'eval.bob', 'bob@example.org') < 50);
check_true('"password" is weak', cmsuser_provision_password_strength('password', 'eval.bob', 'bob@example.org') < 50);
check_true('"Tr0ub4dour&3xyz" is at least fair', cmsuser_provision_password_strength('Tr0ub4dour&3xyz', 'eval.bob', 'bob@example.org') >= 50);
check('the username is 5', cmsuser_provision_password_strength('Eval.Bob', 'eval.bob', 'bob@example.org'), 5);
check('the email is 5', cmsuser_provision_password_strength('BOB@example.org', 'eval.bob', 'bob@example.org'), 5);
check_true('longer is stronger', cmsuser_provision_password_strength('abcdefghij', 'x', 'y@z.org') > cmsuser_provision_password_strength('abcde', 'x', 'y@z.org'));
check_true('more classes are stronger', cmsuser_provision_password_strength('abcD1!', 'x', 'y@z.org') > cmsuser_provision_password_strength('abcdef', 'x', 'y@z.org'));
check('nothing is 0', cmsuser_provision_password_strength('', 'x', 'y@z.org'), 0);

// Password policy.
$weak = cmsuser_provision_password_strength('a', 'eval.bob', 'bob@example.org');
check('policy off accepts anything', cmsuser_provision_password_problem('a', 'eval.bob', 'bob@example.org', FALSE, 50, $weak), NULL);
check('policy off accepts the username', cmsuser_provision_password_problem('eval.bob', 'eval.bob', 'bob@example.org', FALSE, 50, 5), NULL);
check_true('policy on refuses a weak password', strpos((string) cmsuser_provision_password_problem('a', 'eval.bob', 'bob@example.org', TRUE, 50, $weak), 'too weak') !== FALSE);
check('policy on accepts a strong password', cmsuser_provision_password_problem('Tr0ub4dour&3xyz', 'eval.bob', 'bob@example.org', TRUE, 50, 80), NULL);
check('policy on refuses the username', cmsuser_provision_password_problem(' EVAL.BOB ', 'eval.bob', 'bob@example.org', TRUE, 0, 100), 'The password cannot be the same as the username.');
check('policy on refuses the email', cmsuser_provision_password_problem('Bob@Example.org', 'eval.bob', 'bob@example.org', TRUE, 0, 100), 'The password cannot be the same as the email address.');
check('threshold 0 accepts weak', cmsuser_provision_password_problem('a', 'eval.bob', 'bob@example.org', TRUE, 0, $weak), NULL);
check('strong threshold refuses good', cmsuser_provision_password_problem('abcdefgh12', 'eval.bob', 'bob@example.org', TRUE, 90, 75), 'The password is too weak for the site policy: use a longer password with lower- and uppercase letters, digits and punctuation.');
$secret = 'Sup3r-Secret!';
foreach (array(array(TRUE, 100, 10), array(TRUE, 0, 100)) as $case) {
  $message = (string) cmsuser_provision_password_problem($secret, $secret, 'x@example.org', $case[0], $case[1], $case[2]);
  check_true('a message never contains the password', strpos($message, $secret) === FALSE);
}

// Create lock names (1.2.1): values the duplicate checks treat as one account share a lock.
$lock = cmsuser_provision_create_lock_name('mail', 'ann@example.org');
check('lock name is prefixed and hashed', $lock, 'cmsuser_provision:create:mail:' . md5('ann@example.org'));
check('lock name ignores case', cmsuser_provision_create_lock_name('mail', 'Ann@Example.ORG'), $lock);
check('lock name ignores trailing spaces', cmsuser_provision_create_lock_name('mail', 'ann@example.org  '), $lock);
check('mail and name locks differ', cmsuser_provision_create_lock_name('name', 'ann@example.org') === $lock, FALSE);
check('other values get other locks', cmsuser_provision_create_lock_name('mail', 'anna@example.org') === $lock, FALSE);
check('leading spaces count', cmsuser_provision_create_lock_name('name', ' ann') === cmsuser_provision_create_lock_name('name', 'ann'), FALSE);
if (class_exists('Normalizer')) {
  check('lock name ignores accents (intl)', cmsuser_provision_create_lock_name('name', "Jos\u{00E9} M\u{00DC}ller"), cmsuser_provision_create_lock_name('name', 'jose muller'));
}
check_true('a long value still fits the semaphore name', strlen(cmsuser_provision_create_lock_name('name', str_repeat('x', 1000))) <= 255);

finish();
