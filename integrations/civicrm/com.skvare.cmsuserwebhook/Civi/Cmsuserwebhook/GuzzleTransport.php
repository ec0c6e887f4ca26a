<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * The transport used inside CiviCRM: Guzzle, which CiviCRM itself ships on every CMS
 * (WordPress, Drupal, Backdrop, Joomla, Standalone), so no CMS HTTP API is used.
 */
final class GuzzleTransport implements Transport {

  public function post(string $url, array $headers, string $body, int $timeout): array {
    try {
      $client = new \GuzzleHttp\Client();
      $response = $client->request('POST', $url, [
        'headers' => $headers,
        'body' => $body,
        'timeout' => $timeout,
        'connect_timeout' => min(5, $timeout),
        'http_errors' => FALSE,
        'allow_redirects' => FALSE,
      ]);
      return [
        'status' => $response->getStatusCode(),
        'body' => substr((string) $response->getBody(), 0, 2000),
        'error' => NULL,
      ];
    }
    catch (\Throwable $e) {
      // Connection refused, DNS, TLS, timeout: no answer. The message never holds the secret.
      return ['status' => 0, 'body' => '', 'error' => get_class($e) . ': ' . substr($e->getMessage(), 0, 500)];
    }
  }

}
