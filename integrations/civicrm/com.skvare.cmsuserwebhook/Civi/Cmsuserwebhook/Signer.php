<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * Signs webhook requests the way Skvare.CmsUser's verifier checks them.
 *
 * X-CmsUser-Timestamp carries the Unix time in seconds; X-CmsUser-Signature carries
 * "sha256=" and the lower-case hex HMAC-SHA256 of "<timestamp>.<raw body>", keyed with the
 * shared secret's bytes. No CiviCRM dependency: tests/run.php uses it with plain php-cli.
 */
final class Signer {

  const TIMESTAMP_HEADER = 'X-CmsUser-Timestamp';
  const SIGNATURE_HEADER = 'X-CmsUser-Signature';

  /**
   * The signature header value for a body.
   *
   * @param string $secret
   *   The shared secret (UTF-8).
   * @param int $timestamp
   *   Unix seconds, exactly as sent in the timestamp header.
   * @param string $body
   *   The raw body bytes, exactly as sent.
   *
   * @return string
   *   "sha256=" followed by 64 lower-case hex digits.
   */
  public static function signature(string $secret, int $timestamp, string $body): string {
    if ($secret === '') {
      throw new \InvalidArgumentException('The webhook secret is empty.');
    }
    if ($timestamp < 0) {
      throw new \InvalidArgumentException('The timestamp must not be negative.');
    }
    return 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $body, $secret);
  }

  /**
   * The HTTP headers of a signed request.
   *
   * @return array<string, string>
   */
  public static function headers(string $secret, int $timestamp, string $body): array {
    return [
      'Content-Type' => 'application/json',
      self::TIMESTAMP_HEADER => (string) $timestamp,
      self::SIGNATURE_HEADER => self::signature($secret, $timestamp, $body),
    ];
  }

}
