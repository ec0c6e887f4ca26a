<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * What an answer from the webhook means for the call (see docs/webhook.md).
 * No CiviCRM dependency.
 */
final class Verdict {

  /** The host has the event: forget it. */
  const DELIVERED = 'delivered';

  /** The host could not take it now: keep it and try again later. */
  const RETRY = 'retry';

  /** The host will never take it as sent: drop it and say so. */
  const REJECTED = 'rejected';

  /**
   * @param int $status
   *   The HTTP status, or 0 when no answer came (connection refused, timeout, TLS error).
   */
  public static function of(int $status): string {
    if ($status >= 200 && $status < 300) {
      return self::DELIVERED;
    }
    // 409: this very signed request was accepted before; the event is with the host.
    if ($status === 409) {
      return self::DELIVERED;
    }
    // The host says this body can never be taken: invalid_body, forbidden, too large.
    if (in_array($status, [400, 403, 413, 415, 422], TRUE)) {
      return self::REJECTED;
    }
    // Everything else can heal: no answer, server errors (503 = CiviCRM or the CMS down),
    // throttling, a wrong URL (404) or secret (401) until an administrator fixes the setting,
    // a clock off by more than the allowed skew.
    return self::RETRY;
  }

}
