<?php

/**
 * @license GNU General Public License version 2 or later
 */

namespace Skvare\Plugin\WebServices\Cmsuser\Extension;

\defined('_JEXEC') or die;

use Joomla\CMS\Plugin\CMSPlugin;
use Joomla\Event\Event;
use Joomla\Event\SubscriberInterface;
use Joomla\Router\Route;

final class Cmsuser extends CMSPlugin implements SubscriberInterface
{
    public static function getSubscribedEvents(): array
    {
        return ['onBeforeApiRoute' => 'onBeforeApiRoute'];
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
}
