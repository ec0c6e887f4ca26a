<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * When to try a queued call again: exponential, capped, with jitter so that a backlog
 * built up during an outage does not hit the recovering host all at once.
 * No CiviCRM dependency.
 */
final class Backoff {

  /** First delay, seconds. */
  const BASE = 60;

  /** Longest delay, seconds (6 hours). */
  const CAP = 21600;

  /**
   * Seconds to wait after the given failed attempt (1 = the first delivery failed).
   *
   * @param int $attempt
   *   The number of failed attempts so far (>= 1).
   * @param float $jitter
   *   A number in [0, 1); the delay is scaled by 0.8 + 0.4 * $jitter. Pass 0.5 for no jitter.
   */
  public static function delay(int $attempt, float $jitter): int {
    $attempt = max(1, $attempt);
    $jitter = min(max($jitter, 0.0), 0.999999);
    // 60 s, 2 min, 4 min, … doubling, never more than CAP (2^9 * 60 > CAP already).
    $base = $attempt >= 10 ? self::CAP : min(self::CAP, self::BASE * (2 ** ($attempt - 1)));
    return (int) max(1, round($base * (0.8 + 0.4 * $jitter)));
  }

  /**
   * A random jitter in [0, 1).
   */
  public static function randomJitter(): float {
    return random_int(0, 999999) / 1000000;
  }

}
