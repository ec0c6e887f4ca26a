<?php
/*
 * Creates a contact and adds it to a trigger through API v4, as an administrator would:
 *   php boot.php join.php group|tag|group-api3|tag-api3 <group or tag name> <first> <last>
 * Prints the contact id. Run through boot.php (as www-data).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
[$script, $how, $name, $first, $last] = $argv + [NULL, 'group', 'website_members', 'Ana', 'Lima'];
$email = strtolower($first . '.' . $last) . '.' . substr(bin2hex(random_bytes(3)), 0, 6) . '@example.org';
$contact = \Civi\Api4\Contact::create(FALSE)
  ->addValue('contact_type', 'Individual')
  ->addValue('first_name', $first)
  ->addValue('last_name', $last)
  ->addChain('email', \Civi\Api4\Email::create(FALSE)->addValue('contact_id', '$id')->addValue('email', $email)->addValue('is_primary', TRUE))
  ->execute()->single();
$cid = (int) $contact['id'];
switch ($how) {
  case 'group':
    \Civi\Api4\GroupContact::create(FALSE)->addValue('group_id:name', $name)->addValue('contact_id', $cid)->addValue('status', 'Added')->execute();
    break;

  case 'tag':
    \Civi\Api4\EntityTag::create(FALSE)->addValue('tag_id:name', $name)->addValue('entity_id', $cid)->addValue('entity_table', 'civicrm_contact')->execute();
    break;

  case 'group-api3':
    civicrm_api3('GroupContact', 'create', ['group_id' => $name, 'contact_id' => $cid]);
    break;

  case 'tag-api3':
    civicrm_api3('EntityTag', 'create', ['tag_id' => $name, 'entity_id' => $cid, 'entity_table' => 'civicrm_contact']);
    break;

  default:
    fwrite(STDERR, "unknown way: $how\n");
    exit(2);
}
echo $cid, "\n";
