<?php
/**
 * @file
 * Tests of the module's create locks (1.2.1) with a plain PHP CLI, no
 * Backdrop: php integrations/backdrop/tests/cmsuser_provision_lock_test.php
 *
 * Backdrop's lock API (lock_acquire, lock_wait, lock_release) is stood in for
 * by one table shared by two "requests", as core's semaphore table is. Prints
 * one line per failed check and "N checks, N failed"; exits 1 when a check
 * failed.
 */

/** The request whose locks the stand-ins act for, and the shared table. */
$GLOBALS['lock_owner'] = 'a';
$GLOBALS['lock_table'] = array();
$GLOBALS['lock_log'] = array();

function lock_acquire($name, $timeout = 30.0) {
  $GLOBALS['lock_log'][] = $GLOBALS['lock_owner'] . ' acquire ' . $name;
  if (isset($GLOBALS['lock_table'][$name]) && $GLOBALS['lock_table'][$name] !== $GLOBALS['lock_owner']) {
    return FALSE;
  }
  $GLOBALS['lock_table'][$name] = $GLOBALS['lock_owner'];
  return TRUE;
}

function lock_wait($name, $delay = 30) {
  $GLOBALS['lock_log'][] = $GLOBALS['lock_owner'] . ' wait ' . $name;
  if (!empty($GLOBALS['free_on_wait'])) {
    // The holder finishes while this request waits.
    unset($GLOBALS['lock_table'][$name]);
  }
  return isset($GLOBALS['lock_table'][$name]);
}

function lock_release($name) {
  $GLOBALS['lock_log'][] = $GLOBALS['lock_owner'] . ' release ' . $name;
  if (isset($GLOBALS['lock_table'][$name]) && $GLOBALS['lock_table'][$name] === $GLOBALS['lock_owner']) {
    unset($GLOBALS['lock_table'][$name]);
  }
}

require_once __DIR__ . '/../cmsuser_provision/cmsuser_provision.module';

require_once __DIR__ . '/harness.php';

$mail = cmsuser_provision_create_lock_name('mail', 'ann@example.org');
$name = cmsuser_provision_create_lock_name('name', 'ann');

check('the wait is 10 seconds', CMSUSER_PROVISION_CREATE_LOCK_WAIT, 10);
$first = cmsuser_provision_create_locks(array('mail' => 'ann@example.org', 'name' => 'ann'), 0);
check('first create holds the email, then the username', $first, array($mail, $name));
check('taken in that order', $GLOBALS['lock_log'], array('a acquire ' . $mail, 'a acquire ' . $name));

$GLOBALS['lock_owner'] = 'b';
check('a second create of the email (other case) is busy on mail', cmsuser_provision_create_locks(array('mail' => 'ANN@example.org', 'name' => 'ann2'), 0), 'mail');
check('it took nothing', isset($GLOBALS['lock_table'][cmsuser_provision_create_lock_name('name', 'ann2')]), FALSE);
check('a create of the username is busy on name', cmsuser_provision_create_locks(array('mail' => 'other@example.org', 'name' => 'Ann'), 0), 'name');
check('its email lock is given back', isset($GLOBALS['lock_table'][cmsuser_provision_create_lock_name('mail', 'other@example.org')]), FALSE);

$GLOBALS['lock_owner'] = 'a';
foreach (array_reverse($first) as $lock) {
  lock_release($lock);
}
$GLOBALS['lock_owner'] = 'b';
check('free again once released', cmsuser_provision_create_locks(array('mail' => 'ANN@example.org', 'name' => 'ann2'), 0), array($mail, cmsuser_provision_create_lock_name('name', 'ann2')));

// A holder that finishes while the other request waits: lock_wait() returns, the next acquire succeeds.
$GLOBALS['lock_table'] = array($mail => 'c');
$GLOBALS['lock_log'] = array();
$GLOBALS['free_on_wait'] = TRUE;
$GLOBALS['lock_owner'] = 'd';
check('a lock freed within the wait is taken', cmsuser_provision_lock_take($mail, 5), TRUE);
check('after one wait', $GLOBALS['lock_log'], array('d acquire ' . $mail, 'd wait ' . $mail, 'd acquire ' . $mail));

finish();
