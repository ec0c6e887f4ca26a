<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

use CRM_Cmsuserwebhook_ExtensionUtil as E;

/*
 * Settings (per domain). The first group is edited on Administer » System Settings »
 * CMS User Webhook (civicrm/admin/cmsuserwebhook); the second is state written by the
 * extension and shown by its system check.
 */
return [
  'cmsuserwebhook_url' => [
    'name' => 'cmsuserwebhook_url',
    'type' => 'String',
    'html_type' => 'text',
    'default' => '',
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Webhook URL'),
    'description' => E::ts('The Skvare.CmsUser webhook, e.g. https://provisioner.example.org/cmsuser/webhook.'),
  ],
  'cmsuserwebhook_secret' => [
    'name' => 'cmsuserwebhook_secret',
    'type' => 'String',
    'html_type' => 'password',
    'default' => '',
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Shared secret'),
    'description' => E::ts('The same value as CmsUser:Webhook:Secret on the host (at least 32 characters).'),
  ],
  'cmsuserwebhook_groups' => [
    'name' => 'cmsuserwebhook_groups',
    'type' => 'Array',
    'html_type' => 'select',
    'default' => [],
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Trigger groups'),
    'description' => E::ts('A contact added to one of these groups is sent to the webhook.'),
  ],
  'cmsuserwebhook_tags' => [
    'name' => 'cmsuserwebhook_tags',
    'type' => 'Array',
    'html_type' => 'select',
    'default' => [],
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Trigger tags'),
    'description' => E::ts('A contact given one of these tags is sent to the webhook.'),
  ],
  'cmsuserwebhook_timeout' => [
    'name' => 'cmsuserwebhook_timeout',
    'type' => 'Integer',
    'html_type' => 'text',
    'default' => 10,
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Timeout (seconds)'),
    'description' => E::ts('How long one call may take. The webhook provisions during the call, so allow a few seconds.'),
  ],
  'cmsuserwebhook_inline_limit' => [
    'name' => 'cmsuserwebhook_inline_limit',
    'type' => 'Integer',
    'html_type' => 'text',
    'default' => 5,
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Calls made at once'),
    'description' => E::ts('Contacts sent during the page that added them; more (a bulk add) go to the queue and are sent by the scheduled job.'),
  ],
  'cmsuserwebhook_max_attempts' => [
    'name' => 'cmsuserwebhook_max_attempts',
    'type' => 'Integer',
    'html_type' => 'text',
    'default' => 12,
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Attempts per event'),
    'description' => E::ts('Failed calls are retried with growing delays (1 minute, doubling, at most 6 hours); after this many attempts the event is dropped and the scheduled runs of Skvare.CmsUser pick the contact up.'),
  ],
  'cmsuserwebhook_last_success_at' => [
    'name' => 'cmsuserwebhook_last_success_at',
    'type' => 'Integer',
    'default' => 0,
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Last delivery'),
    'description' => E::ts('State: Unix time of the last call the host accepted.'),
  ],
  'cmsuserwebhook_last_failure_at' => [
    'name' => 'cmsuserwebhook_last_failure_at',
    'type' => 'Integer',
    'default' => 0,
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Last failed call'),
    'description' => E::ts('State: Unix time of the last call that failed.'),
  ],
  'cmsuserwebhook_last_failure' => [
    'name' => 'cmsuserwebhook_last_failure',
    'type' => 'String',
    'default' => '',
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Last failure'),
    'description' => E::ts('State: what the last failed call got.'),
  ],
  'cmsuserwebhook_dropped' => [
    'name' => 'cmsuserwebhook_dropped',
    'type' => 'Integer',
    'default' => 0,
    'is_domain' => 1,
    'is_contact' => 0,
    'title' => E::ts('Dropped events'),
    'description' => E::ts('State: events given up (rejected by the host, or out of attempts).'),
  ],
];
