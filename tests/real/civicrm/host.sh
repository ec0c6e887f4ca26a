#!/usr/bin/env bash
# Runs the SDK's web sample (samples/Skvare.CmsUser.Samples.Web) in real mode against the second
# site made by setup.sh: CiviCRM and WordPress at http://localhost:8082/, the webhook on
# http://127.0.0.1:${CIVI_HOST_PORT:-5082}/cmsuser/webhook verified by Skvare.CmsUser.AspNetCore
# with the secret setup.sh generated. Rule "members": group website_members -> history group
# website_members_done; rule "premium": tag website_premium -> history tag website_premium_done.
# Scheduled runs: the first one runs as soon as the host has started (it provisions contacts already waiting in the
# groups), then one a day, so that the joins made after the start are provisioned by webhook calls only. To keep even
# the first run away, add CmsUser__Schedule__OffPeakStart=03:00 and CmsUser__Schedule__OffPeakEnd=03:01 (a window without now).
# Not run by CI. Build the sample first:
#   dotnet build samples/Skvare.CmsUser.Samples.Web -c Release
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
state="${CIVI_STATE:-/var/lib/wordpress-civi/state.env}"
set -a
# shellcheck disable=SC1090
. "$state"
set +a
dll="$repo/artifacts/bin/Skvare.CmsUser.Samples.Web/release/Skvare.CmsUser.Samples.Web.dll"
[ -f "$dll" ] || { echo "build the web sample first: dotnet build samples/Skvare.CmsUser.Samples.Web -c Release" >&2; exit 1; }
cd "$(dirname "$dll")"
export ASPNETCORE_URLS="http://127.0.0.1:${CIVI_HOST_PORT:-5082}"
export DOTNET_ENVIRONMENT=Production
export CmsUser__Cms=WordPress
# CIVI_UPSTREAM_URL (e.g. a record_proxy.py in front of the site) replaces the site URL for both.
export CmsUser__CiviCrm__BaseUrl="${CIVI_UPSTREAM_URL:-$CIVI_SITE_URL}"
export CmsUser__CiviCrm__UrlStyle=WordPress
export CmsUser__CiviCrm__ApiKey="$CIVI_API_KEY"
export CmsUser__WordPress__BaseUrl="${CIVI_UPSTREAM_URL:-$CIVI_SITE_URL}"
export CmsUser__WordPress__Username="$CIVI_WP_ADMIN_USER"
export CmsUser__WordPress__ApplicationPassword="$CIVI_WP_APP_PASSWORD"
export CmsUser__WordPress__UseCompanionPlugin=true
export CmsUser__Webhook__Secret="$CIVI_WEBHOOK_SECRET"
export CmsUser__Schedule__Interval=1.00:00:00
export CmsUser__Rules__0__Name=members
export CmsUser__Rules__0__Trigger__Kind=Group
export CmsUser__Rules__0__Trigger__Reference=website_members
export CmsUser__Rules__0__History__Kind=Group
export CmsUser__Rules__0__History__Reference=website_members_done
export CmsUser__Rules__0__Roles__0=subscriber
export CmsUser__Rules__1__Name=premium
export CmsUser__Rules__1__Trigger__Kind=Tag
export CmsUser__Rules__1__Trigger__Reference=website_premium
export CmsUser__Rules__1__History__Kind=Tag
export CmsUser__Rules__1__History__Reference=website_premium_done
export CmsUser__Rules__1__Roles__0=subscriber
exec dotnet "$dll"
