<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * Sends one event: builds the body, signs it with a fresh timestamp (every attempt is a new
 * signed request, so a retry is never taken for a replay), posts it, and says what the answer
 * means. No CiviCRM dependency.
 */
final class Sender {

  /** @var string */
  private $url;

  /** @var string */
  private $secret;

  /** @var int */
  private $timeout;

  /** @var Transport */
  private $transport;

  /** @var callable(): int */
  private $clock;

  public function __construct(string $url, string $secret, int $timeout, Transport $transport, ?callable $clock = NULL) {
    $this->url = $url;
    $this->secret = $secret;
    $this->timeout = max(1, $timeout);
    $this->transport = $transport;
    $this->clock = $clock ?? 'time';
  }

  /**
   * @return array{verdict: string, status: int, detail: string}
   *   The detail is a short text for logs and the system check (never the secret).
   */
  public function send(array $event): array {
    $body = Payload::body($event);
    $timestamp = (int) call_user_func($this->clock);
    $answer = $this->transport->post($this->url, Signer::headers($this->secret, $timestamp, $body), $body, $this->timeout);
    $status = (int) ($answer['status'] ?? 0);
    $detail = $status === 0
      ? 'no answer (' . ($answer['error'] ?? 'unknown error') . ')'
      : 'HTTP ' . $status . self::reason((string) ($answer['body'] ?? ''));
    return ['verdict' => Verdict::of($status), 'status' => $status, 'detail' => str_replace($this->secret, '***', $detail)];
  }

  /**
   * The webhook's error code and message from an answer body, when it has them.
   */
  private static function reason(string $body): string {
    $json = json_decode($body, TRUE);
    if (!is_array($json)) {
      return '';
    }
    $error = $json['error'] ?? NULL;
    if (is_string($error)) {
      return ' ' . $error . (isset($json['message']) && is_string($json['message']) ? ': ' . $json['message'] : '');
    }
    if (is_array($error) && isset($error['code']) && is_string($error['code'])) {
      return ' ' . $error['code'] . (isset($error['message']) && is_string($error['message']) ? ': ' . $error['message'] : '');
    }
    return isset($json['outcome']) && is_string($json['outcome']) ? ' ' . $json['outcome'] : '';
  }

}
