<?php
/*
 * The groups and tags the checks use (made once; kept on later runs):
 *   php boot.php data.php
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
foreach (['website_members' => 'Website members', 'website_members_done' => 'Website members (done)'] as $name => $title) {
  \Civi\Api4\Group::save(FALSE)->setMatch(['name'])->addRecord(['name' => $name, 'title' => $title])->execute();
}
foreach (['website_premium', 'website_premium_done'] as $name) {
  \Civi\Api4\Tag::save(FALSE)->setMatch(['name'])->addRecord(['name' => $name, 'label' => $name, 'used_for' => ['civicrm_contact']])->execute();
}
echo "groups and tags ready\n";
