<?php
/*
 * The few assertions the php-cli tests share: each check counts as passed or failed, a failure
 * is printed to stderr, and report() prints "N passed, M failed" and gives the exit code.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

declare(strict_types=1);

final class Checks {
  public static $passed = 0;
  public static $failed = 0;
}

function check(bool $ok, string $what): void {
  if ($ok) {
    Checks::$passed++;
  }
  else {
    Checks::$failed++;
    fwrite(STDERR, "FAIL: $what\n");
  }
}

function throws(callable $fn): bool {
  try {
    $fn();
    return FALSE;
  }
  catch (\InvalidArgumentException $e) {
    return TRUE;
  }
}

/**
 * Loads the extension's classes by name from Civi/Cmsuserwebhook.
 */
function load_classes(array $classes): void {
  foreach ($classes as $class) {
    require_once dirname(__DIR__, 2) . "/Civi/Cmsuserwebhook/$class.php";
  }
}

function report(): int {
  echo 'PHP checks: ' . Checks::$passed . ' passed, ' . Checks::$failed . " failed\n";
  return Checks::$failed === 0 ? 0 : 1;
}
