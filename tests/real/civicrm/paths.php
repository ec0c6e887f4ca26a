<?php
/*
 * The other ways a contact joins a trigger, each printed with the contact ids it used:
 *   php boot.php paths.php <group name> <tag name>
 * api3 group add, api3 tag add, re-add after removal (api4 update by id), bulk add of 7
 * (the form/import path: CRM_Contact_BAO_GroupContact::addContactsToGroup), a Pending join,
 * a join inside a transaction that rolls back. Run through boot.php (as www-data).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
[, $group, $tag] = $argv + [NULL, 'website_members', 'website_premium'];
$groupId = (int) \Civi\Api4\Group::get(FALSE)->addWhere('name', '=', $group)->execute()->single()['id'];
$newContact = function (string $first, string $last): int {
  $email = strtolower($first . '.' . $last) . '.' . bin2hex(random_bytes(3)) . '@example.org';
  return (int) \Civi\Api4\Contact::create(FALSE)
    ->addValue('first_name', $first)->addValue('last_name', $last)
    ->addChain('email', \Civi\Api4\Email::create(FALSE)->addValue('contact_id', '$id')->addValue('email', $email))
    ->execute()->single()['id'];
};
$only = $argv[3] ?? NULL;
$out = [];

if (!$only || $only === 'api3-group') {
  $cid = $newContact('Gina', 'Apithree');
  civicrm_api3('GroupContact', 'create', ['group_id' => $groupId, 'contact_id' => $cid]);
  $out['api3-group'] = [$cid];
}
if (!$only || $only === 'api3-tag') {
  $cid = $newContact('Tess', 'Apithree');
  civicrm_api3('EntityTag', 'create', ['tag_id' => $tag, 'entity_id' => $cid, 'entity_table' => 'civicrm_contact']);
  $out['api3-tag'] = [$cid];
}
if (!$only || $only === 'readd') {
  $cid = $newContact('Remy', 'Readded');
  $gc = \Civi\Api4\GroupContact::create(FALSE)->addValue('group_id', $groupId)->addValue('contact_id', $cid)->addValue('status', 'Removed')->execute()->single();
  \Civi\Api4\GroupContact::update(FALSE)->addWhere('id', '=', $gc['id'])->addValue('status', 'Added')->execute();
  $out['readd'] = [$cid];
}
if (!$only || $only === 'bulk') {
  $ids = [];
  for ($i = 1; $i <= 7; $i++) {
    $ids[] = $newContact('Bulk', 'Member' . $i);
  }
  CRM_Contact_BAO_GroupContact::addContactsToGroup($ids, $groupId, 'Admin', 'Added');
  $out['bulk'] = $ids;
}
if (!$only || $only === 'pending') {
  $cid = $newContact('Pat', 'Pending');
  civicrm_api3('GroupContact', 'create', ['group_id' => $groupId, 'contact_id' => $cid, 'status' => 'Pending']);
  $out['pending'] = [$cid];
}
if (!$only || $only === 'rollback') {
  $cid = $newContact('Rollo', 'Back');
  $tx = new CRM_Core_Transaction();
  \Civi\Api4\GroupContact::create(FALSE)->addValue('group_id', $groupId)->addValue('contact_id', $cid)->addValue('status', 'Added')->execute();
  $tx->rollback();
  $tx = NULL;
  $out['rollback'] = [$cid];
}
echo json_encode($out), "\n";
