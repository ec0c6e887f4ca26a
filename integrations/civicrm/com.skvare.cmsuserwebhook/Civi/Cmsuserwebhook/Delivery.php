<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * Sends events now or later.
 *
 * - After a commit: up to "Calls made at once" events are sent during the request; the rest,
 *   and every event after the first call the host did not take (no answer, 5xx, 401, …), go to the queue (a bulk add of 5,000
 *   contacts never makes the page wait for 5,000 calls, and a host that is down is not asked
 *   again and again in one request).
 * - From cron (CmsuserWebhook.deliver): queued events whose time has come are sent; a failure
 *   puts the event back with a growing delay (Backoff) and ends the run, since the host is
 *   evidently not taking calls; an event out of attempts, or refused for good (400, 403, 413),
 *   is dropped, logged and counted.
 */
final class Delivery {

  /**
   * The transport used when none is passed; NULL = Guzzle.
   *
   * @var Transport|null
   */
  private static $transport;

  /**
   * Replaces the HTTP transport (tests, or a site with its own HTTP stack); NULL restores Guzzle.
   */
  public static function setTransport(?Transport $transport): void {
    self::$transport = $transport;
  }

  public static function deliverOrQueue(array $events, Config $config, ?Transport $transport = NULL): void {
    $sender = $config->sender($transport ?? self::$transport);
    $sent = 0;
    $hostFailing = FALSE;
    foreach ($events as $event) {
      if ($hostFailing || $sent >= $config->inlineLimit) {
        Queue::add($event);
        continue;
      }
      $sent++;
      $event['attempt'] = 1;
      $result = $sender->send($event);
      self::settle($event, $result, $config);
      if ($result['verdict'] === Verdict::RETRY) {
        // Not answered, or not taken now: the rest waits for the scheduled job. An answer that refuses this one
        // event for good (e.g. 422, the contact's attempts used up) says nothing about the others: they go on.
        $hostFailing = TRUE;
      }
    }
  }

  /**
   * Works the queue once.
   *
   * @return array{delivered: int, retried: int, dropped: int, backlog: int}
   */
  public static function runQueue(Config $config, int $limit = 500, int $budgetSeconds = 240, ?Transport $transport = NULL): array {
    $counts = ['delivered' => 0, 'retried' => 0, 'dropped' => 0, 'backlog' => 0];
    if ($config->problems()) {
      $counts['backlog'] = Queue::backlog()['count'];
      return $counts;
    }
    $queue = Queue::get();
    $sender = $config->sender($transport ?? self::$transport);
    $deadline = time() + max(1, $budgetSeconds);
    for ($i = 0; $i < $limit && time() < $deadline; $i++) {
      // The lease outlives one call; a crash mid-call leaves the item to be claimed again later.
      $item = $queue->claimItem(max(60, 3 * $config->timeout));
      if (!$item) {
        break;
      }
      $event = $item->data;
      if (!is_array($event) || empty($event['contactId']) || empty($event['eventId'])) {
        $queue->deleteItem($item);
        \Civi::log()->error('cmsuserwebhook: dropped an unreadable queue item {id}', ['id' => $item->id ?? '?']);
        $counts['dropped']++;
        continue;
      }
      $event['attempt'] = (int) ($event['attempt'] ?? 0) + 1;
      $result = $sender->send($event);
      // Settled only after the call: a crash during it leaves the item to be claimed again
      // when its lease ends (the host takes a repeated event as a no-op).
      $settled = self::settle($event, $result, $config, $queue, $item);
      if ($settled === Verdict::DELIVERED) {
        $counts['delivered']++;
      }
      elseif ($settled === Verdict::RETRY) {
        $counts['retried']++;
      }
      else {
        $counts['dropped']++;
      }
      if ($result['verdict'] === Verdict::RETRY) {
        // The host is not taking calls: one probe per run is enough.
        break;
      }
    }
    $counts['backlog'] = Queue::backlog()['count'];
    return $counts;
  }

  /**
   * Records the result of one call and requeues or drops the event as it says.
   *
   * @return string
   *   Verdict::DELIVERED, Verdict::RETRY (queued again) or Verdict::REJECTED (dropped).
   */
  private static function settle(array $event, array $result, Config $config, ?\CRM_Queue_Queue $queue = NULL, ?object $item = NULL): string {
    $verdict = $result['verdict'];
    if ($verdict !== Verdict::DELIVERED) {
      Status::failed($result['detail']);
      if ($verdict === Verdict::REJECTED) {
        Status::dropped($event, 'refused by the host: ' . $result['detail']);
      }
      elseif ($event['attempt'] >= $config->maxAttempts) {
        Status::dropped($event, sprintf('no success after %d attempts, last: %s', $event['attempt'], $result['detail']));
        $verdict = Verdict::REJECTED;
      }
      else {
        $notBefore = time() + Backoff::delay($event['attempt'], Backoff::randomJitter());
        if ($item !== NULL) {
          // The same row waits again: it keeps the time it was first queued.
          Queue::retry($item, $event, $notBefore);
        }
        else {
          Queue::add($event, $notBefore);
        }
        return Verdict::RETRY;
      }
    }
    else {
      Status::delivered();
    }
    if ($queue !== NULL && $item !== NULL) {
      $queue->deleteItem($item);
    }
    return $verdict;
  }

}
