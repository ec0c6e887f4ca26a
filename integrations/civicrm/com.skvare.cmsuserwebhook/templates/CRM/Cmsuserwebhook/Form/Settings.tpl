{* com.skvare.cmsuserwebhook settings form. SPDX-License-Identifier: GPL-2.0-or-later *}
<div class="crm-block crm-form-block crm-cmsuserwebhook-settings-form-block">
  <div class="help">
    {ts domain="com.skvare.cmsuserwebhook"}When a contact is added to one of the trigger groups or given one of the trigger tags, CiviCRM calls the Skvare.CmsUser webhook once the change is saved, and the contact gets a website login at once. If the host does not answer, the call waits in a queue and the scheduled job "CMS User Webhook: send queued calls" tries again with growing delays.{/ts}
  </div>
  <table class="form-layout-compressed">
    {foreach from=$elementNames item=elementName}
      <tr class="crm-cmsuserwebhook-form-block-{$elementName}">
        <td class="label">{$form.$elementName.label}</td>
        <td>
          {$form.$elementName.html}
          {if $elementName eq 'cmsuserwebhook_secret' and $hasSecret}
            <div class="description">{ts domain="com.skvare.cmsuserwebhook"}A secret is saved. Leave this empty to keep it.{/ts}</div>
          {/if}
          {if $elementName eq 'cmsuserwebhook_groups'}
            <div class="description">{ts domain="com.skvare.cmsuserwebhook"}Regular groups only: smart group membership is computed, so nobody is ever "added" to one. Use the scheduled runs of Skvare.CmsUser for smart groups and saved searches.{/ts}</div>
          {/if}
        </td>
      </tr>
    {/foreach}
  </table>
  <div class="crm-submit-buttons">{include file="CRM/common/formButtons.tpl" location="bottom"}</div>
</div>
