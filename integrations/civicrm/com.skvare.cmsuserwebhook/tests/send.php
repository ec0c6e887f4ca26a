<?php
/*
 * Sends one event the way the extension does, outside CiviCRM, and prints what came back as
 * JSON. Used by the .NET tests (PhpSenderTests) to check the PHP sender against the real
 * endpoint, and handy by hand:
 *
 *   php send.php <webhook url> <secret> <contact id> [Group|Tag] [group or tag id]
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

declare(strict_types=1);

$root = dirname(__DIR__);
foreach (['Signer', 'Payload', 'Verdict', 'Transport', 'Sender'] as $class) {
  require_once "$root/Civi/Cmsuserwebhook/$class.php";
}

use Civi\Cmsuserwebhook\Payload;
use Civi\Cmsuserwebhook\Sender;
use Civi\Cmsuserwebhook\Transport;

/** PHP's own HTTP stream wrapper, so this script needs nothing but php-cli. */
final class StreamTransport implements Transport {

  public function post(string $url, array $headers, string $body, int $timeout): array {
    $lines = [];
    foreach ($headers as $name => $value) {
      $lines[] = "$name: $value";
    }
    $context = stream_context_create(['http' => [
      'method' => 'POST',
      'header' => implode("\r\n", $lines),
      'content' => $body,
      'timeout' => $timeout,
      'ignore_errors' => TRUE,
      'follow_location' => 0,
    ]]);
    $answer = @file_get_contents($url, FALSE, $context);
    $statusLine = $http_response_header[0] ?? '';
    if ($answer === FALSE || !preg_match('#^HTTP/\S+\s+(\d{3})#', $statusLine, $m)) {
      $error = error_get_last();
      return ['status' => 0, 'body' => '', 'error' => $error['message'] ?? 'no answer'];
    }
    return ['status' => (int) $m[1], 'body' => (string) $answer, 'error' => NULL];
  }

}

if ($argc < 4) {
  fwrite(STDERR, "usage: php send.php <webhook url> <secret> <contact id> [Group|Tag] [group or tag id]\n");
  exit(2);
}
$event = Payload::event(Payload::newEventId(), (int) $argv[3], $argv[4] ?? 'Group', (int) ($argv[5] ?? 1), NULL, time());
$sender = new Sender($argv[1], $argv[2], 10, new StreamTransport());
$result = $sender->send($event);
$result['eventId'] = $event['eventId'];
echo json_encode($result, JSON_UNESCAPED_SLASHES), "\n";
