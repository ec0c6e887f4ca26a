<?php

declare(strict_types=1);

namespace Drupal\cmsuser_companion\EventSubscriber;

use Drupal\Core\Lock\LockBackendInterface;
use Symfony\Component\EventDispatcher\EventSubscriberInterface;
use Symfony\Component\HttpFoundation\JsonResponse;
use Symfony\Component\HttpKernel\Event\RequestEvent;
use Symfony\Component\HttpKernel\Event\ResponseEvent;
use Symfony\Component\HttpKernel\KernelEvents;

/**
 * Serialises core REST creates of one email address or username (1.1.1).
 *
 * Core's user create validates first (UserMailUnique, UserNameUnique: an
 * entity query each) and inserts afterwards, and users_field_data has no
 * unique key on mail (only user__name on name + langcode): two requests
 * creating one email address at the same moment both pass validation and both
 * insert. Around every POST /entity/user this takes Drupal's lock service
 * (the semaphore table by default) on the email address, then the username,
 * always in that order, before the controller validates, and releases them
 * when the answer leaves, after the save has committed; the later create then
 * sees the earlier one's row and gets core's 422 "already taken". A create
 * that cannot take a lock within WAIT seconds creates nothing and answers 503
 * {"message": …, "code": "cmsuser_busy"}.
 */
final class CreateLockSubscriber implements EventSubscriberInterface {

  /**
   * Seconds a create waits for another create of the same value.
   */
  public const WAIT = 10;

  /**
   * Seconds a lock lasts at most if its request dies without releasing it.
   */
  private const TIMEOUT = 30.0;

  /**
   * The request attribute holding the names of the locks this request holds.
   */
  private const HELD = '_cmsuser_create_locks';

  /**
   * @param \Drupal\Core\Lock\LockBackendInterface $lock
   *   Drupal's lock service (request-scoped: a request's locks also go when it ends).
   * @param int $wait
   *   Seconds to wait for a lock another request holds.
   */
  public function __construct(private readonly LockBackendInterface $lock, private readonly int $wait = self::WAIT) {
  }

  /**
   * {@inheritdoc}
   */
  public static function getSubscribedEvents(): array {
    return [
      // After routing and authentication (32, 31), before the controller
      // reads the entity, checks create access and validates it.
      KernelEvents::REQUEST => ['onRequest', 0],
      // Before NotifiedHeaderSubscriber sends the new-account email.
      KernelEvents::RESPONSE => ['onResponse', 100],
    ];
  }

  /**
   * Takes the locks for a core REST user create, or answers busy.
   */
  public function onRequest(RequestEvent $event): void {
    $request = $event->getRequest();
    if (!$event->isMainRequest() || $request->attributes->get('_route') !== 'rest.entity.user.POST') {
      return;
    }
    $body = json_decode((string) $request->getContent(), TRUE);
    if (!is_array($body)) {
      // Core answers an unreadable body itself; nothing will be created.
      return;
    }
    $held = [];
    foreach (['mail' => 'email address', 'name' => 'username'] as $field => $label) {
      $value = self::fieldValue($body, $field);
      if ($value === NULL) {
        continue;
      }
      $name = self::lockName($field, $value);
      if (!$this->take($name)) {
        foreach (array_reverse($held) as $taken) {
          $this->lock->release($taken);
        }
        $event->setResponse(self::busy($label));
        return;
      }
      $held[] = $name;
    }
    $request->attributes->set(self::HELD, $held);
  }

  /**
   * Releases this request's locks: the save has committed by now.
   */
  public function onResponse(ResponseEvent $event): void {
    $held = $event->getRequest()->attributes->get(self::HELD);
    if (is_array($held)) {
      foreach (array_reverse($held) as $name) {
        $this->lock->release($name);
      }
      $event->getRequest()->attributes->remove(self::HELD);
    }
  }

  /**
   * The first value of a field in a core REST (json or hal_json) user body.
   *
   * Accepts the list form [{"value": …}], a single {"value": …} and a bare
   * string; NULL when the field is absent or empty.
   */
  public static function fieldValue(array $body, string $field): ?string {
    $item = $body[$field] ?? NULL;
    if (is_array($item) && array_key_exists(0, $item)) {
      $item = $item[0];
    }
    if (is_array($item)) {
      $item = $item['value'] ?? NULL;
    }
    if (!is_scalar($item)) {
      return NULL;
    }
    $value = trim((string) $item);
    return $value === '' ? NULL : $value;
  }

  /**
   * The lock name for creates of one email address or username.
   *
   * Core's uniqueness constraints compare case-insensitively (LIKE, then
   * strtolower()); the value is lower-cased, which folds at least as much, and
   * hashed so any value fits the semaphore table's name column.
   */
  public static function lockName(string $field, string $value): string {
    return 'cmsuser_companion:create:' . ($field === 'mail' ? 'mail' : 'name') . ':' . md5(mb_strtolower($value, 'UTF-8'));
  }

  /**
   * The busy answer: the companion's error shape, 503, never cached.
   */
  public static function busy(string $label): JsonResponse {
    $response = new JsonResponse([
      'message' => 'Another request is creating an account with this ' . $label . '; nothing was created. Retry later.',
      'code' => 'cmsuser_busy',
    ], 503);
    $response->setPrivate();
    $response->headers->addCacheControlDirective('no-store');
    return $response;
  }

  /**
   * Acquires a lock, waiting up to the wait for another request to free it.
   */
  private function take(string $name): bool {
    $deadline = microtime(TRUE) + $this->wait;
    while (!$this->lock->acquire($name, self::TIMEOUT)) {
      if (microtime(TRUE) >= $deadline) {
        return FALSE;
      }
      // Polls until the holder releases it (or it expires), at most a second
      // at a time so the deadline is kept.
      $this->lock->wait($name, 1);
    }
    return TRUE;
  }

}
