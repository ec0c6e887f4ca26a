<?php

/**
 * The companion's API routes (registered by plg_webservices_cmsuser):
 *
 *   GET  /api/index.php/v1/cmsuser/status           200 {"data":{"type":"cmsuser","id":"status","attributes":{...}}}
 *   POST /api/index.php/v1/cmsuser/users/{id}/reset 202 {"data":{"type":"cmsuser","id":"{id}","attributes":{"mail":"password_reset","sent":true}}}
 *
 * Errors use Joomla's JSON:API error shape {"errors":[{"title":"...","code":N}]}: 403 when the token user may
 * not edit users, 404 "User {id} not found.", 409 "User {id} is blocked.", 500 when saving or mailing fails.
 * Nothing secret (token, reset token) is ever written to a response or a log.
 *
 * @license GNU General Public License version 2 or later
 */

namespace Skvare\Component\Cmsuser\Api\Controller;

\defined('_JEXEC') or die;

use Joomla\CMS\Application\ApplicationHelper;
use Joomla\CMS\Factory;
use Joomla\CMS\Mail\MailTemplate;
use Joomla\CMS\MVC\Controller\BaseController;
use Joomla\CMS\Router\Route;
use Joomla\CMS\User\UserFactoryInterface;
use Joomla\CMS\User\UserHelper;
use Joomla\CMS\Version;

final class UsersController extends BaseController
{
    private const VERSION = '0.1.1';

    /** Reports the companion's version and Joomla's, so the SDK's connectivity check can show them. */
    public function status(): void
    {
        if (!$this->mayEditUsers()) {
            $this->error(403, 'Access Denied');
        }

        $this->respond(200, ['data' => [
            'type' => 'cmsuser',
            'id' => 'status',
            'attributes' => ['version' => self::VERSION, 'joomla' => (new Version())->getShortVersion()],
        ]]);
    }

    /**
     * Sends the core "password reset" email (mail template com_users.password_reset) to user {id}, with the same
     * token and link the site's "Forgot your password?" form produces.
     */
    public function reset(): void
    {
        if (!$this->mayEditUsers()) {
            $this->error(403, 'Access Denied');
        }

        $id = $this->input->getInt('id');
        $user = Factory::getContainer()->get(UserFactoryInterface::class)->loadUserById($id);
        if ($id <= 0 || (int) $user->id !== $id) {
            $this->error(404, sprintf('User %d not found.', $id));
        }

        if ((int) $user->block === 1) {
            $this->error(409, sprintf('User %d is blocked.', $id));
        }

        // As com_users' ResetModel::processResetRequest: a random token, stored hashed in `activation`.
        $token = ApplicationHelper::getHash(UserHelper::genRandomPassword());
        $user->activation = UserHelper::hashPassword($token);
        $user->lastResetTime = Factory::getDate()->toSql();
        $user->resetCount = (int) $user->resetCount + 1;
        if (!$user->save(true)) {
            $this->error(500, 'The user could not be saved: ' . $user->getError());
        }

        $mode = (int) $this->app->get('force_ssl', 0) === 2 ? Route::TLS_FORCE : Route::TLS_IGNORE;
        $link = Route::link('site', 'index.php?option=com_users&view=reset&layout=confirm&token=' . $token, false, $mode, true);

        try {
            $mailer = new MailTemplate('com_users.password_reset', $user->getParam('language', $this->app->get('language')));
            $mailer->addTemplateData([
                'sitename' => $this->app->get('sitename'),
                'link_text' => $link,
                'link_html' => $link,
                'token' => $token,
            ]);
            $mailer->addRecipient($user->email, $user->name);
            if (!$mailer->send()) {
                $this->error(500, 'The password reset email could not be sent.');
            }
        } catch (\Throwable $e) {
            $this->error(500, 'The password reset email could not be sent: ' . $e->getMessage());
        }

        $this->respond(202, ['data' => [
            'type' => 'cmsuser',
            'id' => (string) $id,
            'attributes' => ['mail' => 'password_reset', 'sent' => true],
        ]]);
    }

    private function mayEditUsers(): bool
    {
        $identity = $this->app->getIdentity();

        return $identity !== null && !$identity->guest && $identity->authorise('core.edit', 'com_users');
    }

    private function error(int $status, string $title): void
    {
        $this->respond($status, ['errors' => [['title' => $title, 'code' => $status]]]);
    }

    private function respond(int $status, array $document): void
    {
        $this->app->setHeader('status', (string) $status, true);
        $this->app->setHeader('Content-Type', 'application/vnd.api+json; charset=utf-8', true);
        $this->app->sendHeaders();
        echo json_encode($document, JSON_UNESCAPED_SLASHES);
        $this->app->close();
    }
}
