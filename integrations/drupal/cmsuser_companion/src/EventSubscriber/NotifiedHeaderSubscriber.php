<?php

declare(strict_types=1);

namespace Drupal\cmsuser_companion\EventSubscriber;

use Symfony\Component\EventDispatcher\EventSubscriberInterface;
use Symfony\Component\HttpKernel\Event\ResponseEvent;
use Symfony\Component\HttpKernel\KernelEvents;

/**
 * Tells the client whether the create it just made also sent the new-account email.
 *
 * cmsuser_companion_user_insert() records the outcome on the request; this puts it in the
 * X-Cmsuser-Notified header of the answer (register_admin_created, or failed).
 */
final class NotifiedHeaderSubscriber implements EventSubscriberInterface {

  /**
   * {@inheritdoc}
   */
  public static function getSubscribedEvents(): array {
    return [KernelEvents::RESPONSE => 'onResponse'];
  }

  /**
   * Adds the header when the request's create sent (or tried to send) the email.
   */
  public function onResponse(ResponseEvent $event): void {
    $outcome = $event->getRequest()->attributes->get('_cmsuser_notified');
    if (is_string($outcome)) {
      $event->getResponse()->headers->set('X-Cmsuser-Notified', $outcome);
    }
  }

}
