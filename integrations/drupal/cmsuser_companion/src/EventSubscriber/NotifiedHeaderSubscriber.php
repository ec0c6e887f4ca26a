<?php

declare(strict_types=1);

namespace Drupal\cmsuser_companion\EventSubscriber;

use Drupal\user\UserInterface;
use Symfony\Component\EventDispatcher\EventSubscriberInterface;
use Symfony\Component\HttpKernel\Event\ResponseEvent;
use Symfony\Component\HttpKernel\KernelEvents;

/**
 * Sends the new-account email of a create that asked for it, and says so in the answer.
 *
 * cmsuser_companion_user_insert() notes the new account on the request; when the create's 201
 * answer leaves (the save has committed and CreateLockSubscriber has released its locks) this
 * sends the "account created by an administrator" email and puts the outcome in the
 * X-Cmsuser-Notified header (register_admin_created, or failed).
 */
final class NotifiedHeaderSubscriber implements EventSubscriberInterface {

  /**
   * {@inheritdoc}
   */
  public static function getSubscribedEvents(): array {
    // After CreateLockSubscriber::onResponse (100): no lock is held while the mail goes out.
    return [KernelEvents::RESPONSE => ['onResponse', 0]];
  }

  /**
   * Sends the email and adds the header when the request created an account that asked for it.
   */
  public function onResponse(ResponseEvent $event): void {
    $request = $event->getRequest();
    $account = $request->attributes->get('_cmsuser_notify_account');
    if (!$account instanceof UserInterface) {
      return;
    }
    $request->attributes->remove('_cmsuser_notify_account');
    if ($event->getResponse()->getStatusCode() !== 201) {
      // The save failed after the insert hook ran (rolled back): there is no account to tell about.
      return;
    }
    $result = _user_mail_notify('register_admin_created', $account);
    // Core returns the mail result (TRUE/FALSE), or NULL when nothing was sent; older releases returned the message array.
    $sent = is_array($result) ? !empty($result['result']) : (bool) $result;
    $event->getResponse()->headers->set('X-Cmsuser-Notified', $sent ? 'register_admin_created' : 'failed');
  }

}
