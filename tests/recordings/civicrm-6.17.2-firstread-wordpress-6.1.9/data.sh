#!/usr/bin/env bash
# Makes (setup) or removes (cleanup) the data of this recording on the real CiviCRM of tests/real/civicrm/setup.sh.
# CIVI_URL (default http://localhost:8082) and CIVI_KEY (the API key) from the site's facts; `mysql -uroot` for domain 2.
set -euo pipefail
CIVI_URL=${CIVI_URL:-http://localhost:8082}
: "${CIVI_KEY:?set CIVI_KEY to the site API key}"
api() { curl -sS -f -X POST "$CIVI_URL/?civiwp=CiviCRM&q=civicrm/ajax/api4/$1/$2" -H "X-Civi-Auth: Bearer $CIVI_KEY" -H 'X-Requested-With: XMLHttpRequest' --data-urlencode "params=$3"; echo; }
db=${CIVI_DB:-civi_civicrm}
id() { mysql -uroot -N "$db" -e "SELECT id FROM civicrm_contact WHERE external_identifier = 'fr.$1'"; }
contact() { # first name, last name, then the chained group join (or none)
  local l; l=$(echo "$1" | tr A-Z a-z)
  api Contact create '{"values":{"contact_type":"Individual","first_name":"'$1'","last_name":"'$2'","external_identifier":"fr.'$l'"},"chain":{"email":["Email","create",{"values":{"contact_id":"$id","email":"fr.'$l'@example.org","is_primary":true}}]'"${3:-}"'}}'
}
case "${1:-}" in
setup)
  # A second domain, so a contact can be linked in another domain (CiviCRM makes none by itself on a one-site install).
  mysql -uroot "$db" -e "INSERT INTO civicrm_domain (name, version) VALUES ('fr_other', '6.17.2')"
  other=$(mysql -uroot -N "$db" -e "SELECT id FROM civicrm_domain WHERE name = 'fr_other'")
  api Group create '{"values":{"name":"fr_trigger","title":"fr_trigger"}}'
  api Group create '{"values":{"name":"fr_done","title":"fr_done"}}'
  # A group whose title is not its name (a rule may name it by its title): Ann only.
  api Group create '{"values":{"name":"fr_titled","title":"FR Titled"}}'
  api Tag create '{"values":{"name":"fr_tag","used_for":["civicrm_contact"]}}'
  # A smart group: every contact whose last name is FirstreadSmart.
  api SavedSearch create '{"values":{"name":"fr_smart_search","label":"fr_smart_search","api_entity":"Contact","api_params":{"version":4,"select":["id"],"where":[["last_name","=","FirstreadSmart"]]}},"chain":{"group":["Group","create",{"values":{"name":"fr_smart","title":"fr_smart","saved_search_id":"$id"}}]}}'
  join=',"join":["GroupContact","create",{"values":{"contact_id":"$id","group_id.name":"fr_trigger","status":"Added"}}]'
  for n in Ann Ben Cal Dan Eve; do contact "$n" Firstread "$join"; done
  for n in Sam Sue; do contact "$n" FirstreadSmart; done
  contact Tom FirstreadTag
  # Ben: linked here; Eve: linked in the other domain only; Cal: Removed from the trigger; Dan: deleted (in the trash).
  api UFMatch create '{"values":{"domain_id":1,"uf_id":990301,"uf_name":"fr.ben@example.org","contact_id":'"$(id ben)"'}}'
  api UFMatch create '{"values":{"domain_id":'"$other"',"uf_id":990302,"uf_name":"fr.eve@example.org","contact_id":'"$(id eve)"'}}'
  api GroupContact save '{"records":[{"group_id.name":"fr_trigger","contact_id":'"$(id cal)"',"status":"Removed"}],"match":["group_id","contact_id"]}'
  api Contact update '{"where":[["id","=",'"$(id dan)"']],"values":{"is_deleted":true}}'
  # Sue: a smart-group member taken out by hand (a Removed row while the search still finds her).
  api GroupContact create '{"values":{"group_id.name":"fr_smart","contact_id":'"$(id sue)"',"status":"Removed"}}'
  api GroupContact create '{"values":{"group_id.name":"fr_titled","contact_id":'"$(id ann)"',"status":"Added"}}'
  # The tag: Ann and Tom.
  api EntityTag save '{"records":[{"entity_table":"civicrm_contact","entity_id":'"$(id ann)"',"tag_id.name":"fr_tag"},{"entity_table":"civicrm_contact","entity_id":'"$(id tom)"',"tag_id.name":"fr_tag"}]}'
  ;;
cleanup)
  ids=$(mysql -uroot -N "$db" -e "SELECT GROUP_CONCAT(id) FROM civicrm_contact WHERE external_identifier LIKE 'fr.%'")
  if [ -n "$ids" ] && [ "$ids" != NULL ]; then
    api Activity delete '{"where":[["id","IN",'"$(mysql -uroot -N "$db" -e "SELECT CONCAT('[', IFNULL(GROUP_CONCAT(DISTINCT activity_id),''), ']') FROM civicrm_activity_contact WHERE contact_id IN ($ids)")"']]}'
    api UFMatch delete '{"where":[["contact_id","IN",['"$ids"']]]}'
    api Contact delete '{"where":[["id","IN",['"$ids"']]],"useTrash":false,"checkPermissions":false}'
  fi
  api Group delete '{"where":[["name","IN",["fr_trigger","fr_done","fr_smart","fr_titled"]]]}'
  api SavedSearch delete '{"where":[["name","=","fr_smart_search"]]}'
  api Tag delete '{"where":[["name","=","fr_tag"]]}'
  mysql -uroot "$db" -e "DELETE FROM civicrm_domain WHERE name = 'fr_other'"
  ;;
*) echo "usage: $0 setup|cleanup" >&2; exit 2 ;;
esac
