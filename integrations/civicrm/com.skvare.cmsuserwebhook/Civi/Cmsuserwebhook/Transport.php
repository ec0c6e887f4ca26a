<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * Sends one HTTP POST. Implementations never throw for HTTP or network failures: they
 * answer status 0 with the reason instead.
 */
interface Transport {

  /**
   * @param string $url
   * @param array<string, string> $headers
   * @param string $body
   * @param int $timeout
   *   Seconds for the whole call.
   *
   * @return array{status: int, body: string, error: ?string}
   */
  public function post(string $url, array $headers, string $body, int $timeout): array;

}
