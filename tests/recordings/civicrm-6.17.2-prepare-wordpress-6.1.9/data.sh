#!/usr/bin/env bash
# Makes (setup) or removes (cleanup) the data of this recording on the real CiviCRM of tests/real/civicrm/setup.sh.
# CIVI_URL (default http://localhost:8082) and CIVI_KEY (the API key) from the site's facts; `mysql -uroot` for domain 2.
set -euo pipefail
CIVI_URL=${CIVI_URL:-http://localhost:8082}
: "${CIVI_KEY:?set CIVI_KEY to the site API key}"
api() { curl -sS -f -X POST "$CIVI_URL/?civiwp=CiviCRM&q=civicrm/ajax/api4/$1/$2" -H "X-Civi-Auth: Bearer $CIVI_KEY" -H 'X-Requested-With: XMLHttpRequest' --data-urlencode "params=$3"; echo; }
db=${CIVI_DB:-civi_civicrm}
case "${1:-}" in
setup)
  # A second domain, so a contact can be linked in another domain (CiviCRM makes none by itself on a one-site install).
  mysql -uroot "$db" -e "INSERT INTO civicrm_domain (name, version) VALUES ('pp_other', '6.17.2')"
  other=$(mysql -uroot -N "$db" -e "SELECT id FROM civicrm_domain WHERE name = 'pp_other'")
  api Group create '{"values":{"name":"pp_trigger","title":"pp_trigger"}}'
  api Group create '{"values":{"name":"pp_done","title":"pp_done"}}'
  for n in Fay Gus Hal Ivy Jon; do
    l=$(echo "$n" | tr A-Z a-z)
    api Contact create '{"values":{"contact_type":"Individual","first_name":"'$n'","last_name":"Prepare","external_identifier":"pp.'$l'"},"chain":{"email":["Email","create",{"values":{"contact_id":"$id","email":"pp.'$l'@example.org","is_primary":true}}],"join":["GroupContact","create",{"values":{"contact_id":"$id","group_id.name":"pp_trigger","status":"Added"}}]}}'
  done
  id() { mysql -uroot -N "$db" -e "SELECT id FROM civicrm_contact WHERE external_identifier = 'pp.$1'"; }
  # Fay: linked in the other domain only. Hal: linked here.
  api UFMatch create '{"values":{"domain_id":'"$other"',"uf_id":990201,"uf_name":"pp.fay@example.org","contact_id":'"$(id fay)"'}}'
  api UFMatch create '{"values":{"domain_id":1,"uf_id":990202,"uf_name":"pp.hal@example.org","contact_id":'"$(id hal)"'}}'
  # Gus: two failed attempts after he joined.
  for i in 1 2; do
    api Activity create '{"values":{"activity_type_id:name":"User Account Creation","status_id:name":"Failed","subject":"Failed to create User pp.gus","details":"rest_invalid_param: refused","source_contact_id":"user_contact_id","target_contact_id":['"$(id gus)"'],"source_record_id":'"$(id gus)"'}}'
  done
  ;;
cleanup)
  ids=$(mysql -uroot -N "$db" -e "SELECT GROUP_CONCAT(id) FROM civicrm_contact WHERE external_identifier LIKE 'pp.%'")
  if [ -n "$ids" ] && [ "$ids" != NULL ]; then
    # The activities whose target is one of them (Scheduled records of the recording, Gus's Failed ones), then the contacts for good.
    api Activity delete '{"where":[["id","IN",'"$(mysql -uroot -N "$db" -e "SELECT CONCAT('[', IFNULL(GROUP_CONCAT(DISTINCT activity_id),''), ']') FROM civicrm_activity_contact WHERE contact_id IN ($ids)")"']]}'
    api UFMatch delete '{"where":[["contact_id","IN",['"$ids"']]]}'
    api Contact delete '{"where":[["id","IN",['"$ids"']]],"useTrash":false}'
  fi
  api Group delete '{"where":[["name","IN",["pp_trigger","pp_done"]]]}'
  mysql -uroot "$db" -e "DELETE FROM civicrm_domain WHERE name = 'pp_other'"
  ;;
*) echo "usage: $0 setup|cleanup" >&2; exit 2 ;;
esac
