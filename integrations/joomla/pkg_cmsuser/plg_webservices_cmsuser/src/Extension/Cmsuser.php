<?php

/**
 * @license GNU General Public License version 2 or later
 */

namespace Skvare\Plugin\WebServices\Cmsuser\Extension;

\defined('_JEXEC') or die;

use Joomla\CMS\Factory;
use Joomla\CMS\Plugin\CMSPlugin;
use Joomla\Database\DatabaseInterface;
use Joomla\Event\Event;
use Joomla\Event\Priority;
use Joomla\Event\SubscriberInterface;
use Joomla\Router\Route;

final class Cmsuser extends CMSPlugin implements SubscriberInterface
{
    /** The create locks this request holds (companion 0.1.1), null when it holds none. */
    private ?CreateLock $createLock = null;

    public static function getSubscribedEvents(): array
    {
        return [
            'onBeforeApiRoute' => 'onBeforeApiRoute',
            'onAfterApiRoute' => 'onAfterApiRoute',
            // Before "User - Joomla!" mails the new user: no lock is held while a mail goes out.
            'onUserAfterSave' => ['releaseCreateLocks', Priority::HIGH],
            'onAfterDispatch' => 'releaseCreateLocks',
            'onBeforeRespond' => 'releaseCreateLocks',
        ];
    }

    /** Joomla 5 passes a BeforeApiRouteEvent (getRouter()); Joomla 4 a generic event whose first argument is the router. */
    public function onBeforeApiRoute(Event $event): void
    {
        $router = method_exists($event, 'getRouter') ? $event->getRouter() : $event->getArgument(0);
        // Not public: the API application authenticates the token before the controller runs.
        $defaults = ['component' => 'com_cmsuser', 'public' => false];
        $router->addRoutes([
            new Route(['GET'], 'v1/cmsuser/status', 'users.status', [], $defaults),
            new Route(['POST'], 'v1/cmsuser/users/:id/reset', 'users.reset', ['id' => '(\d+)'], $defaults),
        ]);
    }

    /**
     * Core's create (POST v1/users, com_users users.add) checks the email and username and then inserts, not
     * atomically: this takes named database locks on the body's email, then its username, once the route is known
     * and before the controller runs; they are released as soon as the account is saved (onUserAfterSave), else when
     * the component has run or the answer is sent, else when the request's database session ends. A lock another
     * request holds for more than CreateLock::WAIT seconds answers 503 with the companion's error shape, and nothing
     * is created.
     */
    public function onAfterApiRoute(Event $event): void
    {
        $app   = Factory::getApplication();
        // getInput() since Joomla 4.2 (the input property is deprecated in 5).
        $input = method_exists($app, 'getInput') ? $app->getInput() : $app->input;
        if ($input->getMethod() !== 'POST' || $input->get('option') !== 'com_users' || $input->get('controller') !== 'users' || $input->get('task') !== 'add') {
            return;
        }

        $values = CreateLock::values(json_decode((string) file_get_contents('php://input'), true));
        if ($values === []) {
            return;
        }

        $db   = Factory::getContainer()->get(DatabaseInterface::class);
        $lock = new CreateLock($db, $app->get('db') . '|' . $db->getPrefix() . 'users');
        $busy = $lock->takeAll($values);
        if ($busy === null) {
            $this->createLock = $lock;

            return;
        }

        $app->setHeader('status', '503', true);
        $app->setHeader('Content-Type', 'application/vnd.api+json; charset=utf-8', true);
        $app->sendHeaders();
        echo json_encode(['errors' => [[
            'title' => 'Another request is creating an account with this ' . ($busy === 'email' ? 'email address' : 'username') . '; nothing was created. Retry later.',
            'code' => 503,
        ]]], JSON_UNESCAPED_SLASHES);
        $app->close();
    }

    /** Releases the create locks: the account is stored (Joomla saves users without a transaction) or was not created. */
    public function releaseCreateLocks(Event $event): void
    {
        if ($this->createLock !== null) {
            $this->createLock->releaseAll();
            $this->createLock = null;
        }
    }
}
