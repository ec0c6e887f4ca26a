#!/usr/bin/env bash
# Makes (setup) or removes (cleanup) the data of this recording on the real CiviCRM of tests/real/civicrm/setup.sh.
# CIVI_URL (default http://localhost:8082) and CIVI_KEY (the API key) from the site's facts; `mysql -uroot` to read ids.
set -euo pipefail
CIVI_URL=${CIVI_URL:-http://localhost:8082}
: "${CIVI_KEY:?set CIVI_KEY to the site API key}"
api() { curl -sS -f -X POST "$CIVI_URL/?civiwp=CiviCRM&q=civicrm/ajax/api4/$1/$2" -H "X-Civi-Auth: Bearer $CIVI_KEY" -H 'X-Requested-With: XMLHttpRequest' --data-urlencode "params=$3" >/dev/null; }
db=${CIVI_DB:-civi_civicrm}
id() { mysql -uroot -N "$db" -e "SELECT id FROM civicrm_contact WHERE external_identifier = 'cp.$1'"; }
contact() { # type, first name (or household name), then the chained group join (or none)
  local l; l=$(echo "$2" | tr A-Z a-z | tr -d ' ')
  local names='"first_name":"'$2'","last_name":"Coldpass"'
  [ "$1" = Household ] && names='"household_name":"'$2'","last_name":"Coldpass"'
  api Contact create '{"values":{"contact_type":"'$1'",'"$names"',"external_identifier":"cp.'$l'"},"chain":{"email":["Email","create",{"values":{"contact_id":"$id","email":"cp.'$l'@example.org","is_primary":true}}]'"${3:-}"'}}'
}
case "${1:-}" in
setup)
  api Group create '{"values":{"name":"cp_trigger","title":"cp_trigger"}}'
  # The history group is named by its title in one rule.
  api Group create '{"values":{"name":"cp_done","title":"CP Done"}}'
  api Group create '{"values":{"name":"cp_lapsed","title":"cp_lapsed"}}'
  api Tag create '{"values":{"name":"cp_tag_done","used_for":["civicrm_contact"]}}'
  # Saved searches: on Contact, on Individual (the household is not one), and one with a join of its own.
  api SavedSearch create '{"values":{"name":"cp_search","label":"cp_search","api_entity":"Contact","api_params":{"version":4,"select":["id"],"where":[["last_name","=","Coldpass"]]}}}'
  api SavedSearch create '{"values":{"name":"cp_search_people","label":"cp_search_people","api_entity":"Individual","api_params":{"version":4,"select":["id"],"where":[["last_name","=","Coldpass"]]}}}'
  api SavedSearch create '{"values":{"name":"cp_search_joined","label":"cp_search_joined","api_entity":"Contact","api_params":{"version":4,"select":["id"],"join":[["Email AS cp_email","INNER",["cp_email.contact_id","=","id"]]],"where":[["cp_email.email","LIKE","cp.%"]]}}}'
  join=',"join":["GroupContact","create",{"values":{"contact_id":"$id","group_id.name":"cp_trigger","status":"Added"}}]'
  for n in Ann Ben Cal Dan; do contact Individual "$n" "$join"; done
  contact Household "Hal House"
  # Ben and Dan are done (history group); Cal carries the history tag; Dan left the trigger, is linked here and lapsed.
  api GroupContact save '{"records":[{"group_id.name":"cp_done","contact_id":'"$(id ben)"',"status":"Added"},{"group_id.name":"cp_done","contact_id":'"$(id dan)"',"status":"Added"},{"group_id.name":"cp_lapsed","contact_id":'"$(id dan)"',"status":"Added"}],"match":["group_id","contact_id"]}'
  api EntityTag save '{"records":[{"entity_table":"civicrm_contact","entity_id":'"$(id cal)"',"tag_id.name":"cp_tag_done"}]}'
  api GroupContact save '{"records":[{"group_id.name":"cp_trigger","contact_id":'"$(id dan)"',"status":"Removed"}],"match":["group_id","contact_id"]}'
  api UFMatch create '{"values":{"domain_id":1,"uf_id":990401,"uf_name":"cp.dan@example.org","contact_id":'"$(id dan)"'}}'
  mysql -uroot -N "$db" -e "SELECT external_identifier, id FROM civicrm_contact WHERE external_identifier LIKE 'cp.%'; SELECT name, id FROM civicrm_group WHERE name LIKE 'cp\_%'; SELECT name, id FROM civicrm_tag WHERE name LIKE 'cp\_%'; SELECT name, id FROM civicrm_saved_search WHERE name LIKE 'cp\_%'"
  ;;
cleanup)
  ids=$(mysql -uroot -N "$db" -e "SELECT GROUP_CONCAT(id) FROM civicrm_contact WHERE external_identifier LIKE 'cp.%'")
  if [ -n "$ids" ] && [ "$ids" != NULL ]; then
    api UFMatch delete '{"where":[["contact_id","IN",['"$ids"']]]}'
    api Contact delete '{"where":[["id","IN",['"$ids"']]],"useTrash":false,"checkPermissions":false}'
  fi
  api Group delete '{"where":[["name","IN",["cp_trigger","cp_done","cp_lapsed"]]]}'
  api SavedSearch delete '{"where":[["name","LIKE","cp\\_%"]]}'
  api Tag delete '{"where":[["name","LIKE","cp\\_%"]]}'
  ;;
*) echo "usage: $0 setup|cleanup" >&2; exit 2 ;;
esac
