<?php

/**
 * The checks shared by the module's plain-PHP tests: check() records a mismatch, check_true() a false condition,
 * finish() prints them and "N checks, N failed" and exits 1 when one failed.
 *
 * @license GPL-2.0-or-later
 */

$checks = 0;
$failures = array();

function check($label, $actual, $expected) {
  global $checks, $failures;
  $checks++;
  if ($actual !== $expected) {
    $failures[] = $label . ': expected ' . var_export($expected, TRUE) . ', got ' . var_export($actual, TRUE);
  }
}

function check_true($label, $condition) {
  check($label, (bool) $condition, TRUE);
}

function finish() {
  global $checks, $failures;
  foreach ($failures as $failure) {
    fwrite(STDERR, 'FAIL ' . $failure . "\n");
  }
  printf("%d checks, %d failed\n", $checks, count($failures));
  exit($failures ? 1 : 0);
}
