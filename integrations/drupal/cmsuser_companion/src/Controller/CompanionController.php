<?php

declare(strict_types=1);

namespace Drupal\cmsuser_companion\Controller;

use Drupal\Core\Controller\ControllerBase;
use Drupal\user\UserInterface;
use Symfony\Component\HttpFoundation\JsonResponse;

/**
 * The three JSON routes of the CmsUser companion module.
 *
 * Access (the "administer users" permission) and authentication are declared
 * in cmsuser_companion.routing.yml; the controller only acts.
 */
final class CompanionController extends ControllerBase {

  /**
   * GET /cmsuser/status: proves the module is installed and who is acting.
   */
  public function status(): JsonResponse {
    return $this->json([
      'module' => 'cmsuser_companion',
      'version' => '1.1.1',
      'drupal' => \Drupal::VERSION,
      'uid' => (int) $this->currentUser()->id(),
    ]);
  }

  /**
   * POST /cmsuser/user/{uid}/notify: the "account created by an administrator" email.
   *
   * Core REST creation sends no email; the admin form would send this one.
   */
  public function notify(UserInterface $user): JsonResponse {
    $result = _user_mail_notify('register_admin_created', $user);
    // Core returns the mail result (TRUE/FALSE), or NULL when nothing was sent; older
    // releases returned the whole message array.
    $sent = is_array($result) ? !empty($result['result']) : (bool) $result;
    return $this->json(['sent' => $sent]);
  }

  /**
   * POST /cmsuser/user/{uid}/login-link: a one-time login (set password) URL.
   */
  public function loginLink(UserInterface $user): JsonResponse {
    if ($user->isBlocked()) {
      return $this->json(['message' => 'The account is blocked; a one-time login link would not work.'], 409);
    }

    return $this->json(['url' => user_pass_reset_url($user)]);
  }

  /**
   * A JSON answer that is never cached (links and mail results are per request).
   */
  private function json(array $data, int $status = 200): JsonResponse {
    $response = new JsonResponse($data, $status);
    $response->setPrivate();
    $response->headers->addCacheControlDirective('no-store');
    return $response;
  }

}
