using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The dry run (<see cref="IUserProvisioner.PlanAsync"/>): reads the triggers, asks the CMS read-only questions and
/// says per contact what a run would do. Writes nothing anywhere.
/// </summary>
internal sealed class DryRun
{
    private readonly EngineContext _engine;

    public DryRun(EngineContext engine) => _engine = engine;

    private CmsUserOptions Options => _engine.Options;

    public async IAsyncEnumerable<PlanEntry> PlanAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var rule in Options.Rules)
        {
            var source = _engine.Triggers.Create(_engine.CreationContext(rule));
            await foreach (var page in source.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
            {
                var prior = await _engine.CountPriorAsync(page, ActivityKind.AccountCreation, cancellationToken).ConfigureAwait(false);
                foreach (var contact in page)
                {
                    yield return await PlanContactAsync(rule, contact, prior.GetValueOrDefault(contact.Id), cancellationToken).ConfigureAwait(false);
                }
            }

            if (rule.Deprovision is { } deprovision)
            {
                var leaving = _engine.Triggers.Create(Deprovisioning.SourceContext(rule, _engine.Settings.ExtraFields));
                await foreach (var page in leaving.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
                {
                    var prior = await _engine.CountPriorAsync(page, Deprovisioning.ActivityKindOf(deprovision), cancellationToken).ConfigureAwait(false);
                    foreach (var contact in page)
                    {
                        yield return _engine.Deprovisioning.Plan(rule, contact, prior.GetValueOrDefault(contact.Id));
                    }
                }
            }
        }
    }

    private async Task<PlanEntry> PlanContactAsync(ProvisioningRule rule, Contact contact, int prior, CancellationToken cancellationToken)
    {
        try
        {
            return await PlanContactCoreAsync(rule, contact, prior, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex) when (ex.Kind != FailureKind.Configuration)
        {
            return new PlanEntry(contact.Id, rule.DisplayName, _engine.Attempts.Predict(ex.Kind, prior), null, null, ex.Message);
        }
        catch (Exception ex) when (ex is not CmsUserException && !ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // The real run would fail this contact with internal_error (a counted attempt); the plan says so and goes on.
            Log.ContactCrashed(_engine.Logger, contact.Id, rule.DisplayName, ex);
            return new PlanEntry(contact.Id, rule.DisplayName, _engine.Attempts.Predict(FailureKind.Permanent, prior), null, null, $"{ContactResult.InternalErrorCode}: {ContactResult.InternalMessage(ex)}");
        }
    }

    private async Task<PlanEntry> PlanContactCoreAsync(ProvisioningRule rule, Contact contact, int prior, CancellationToken cancellationToken)
    {
        var name = rule.DisplayName;
        var attempts = _engine.Attempts;
        if (contact.CurrentDomainLink is { } link)
        {
            if (_engine.Pipeline.Restorer is { } restorer && await restorer.PlanAsync(rule, contact, link, cancellationToken).ConfigureAwait(false) is { } restore)
            {
                return restore;
            }

            return new PlanEntry(contact.Id, name, PlannedAction.AlreadyLinked, link.UfName, link.CmsUserId, null);
        }

        if (contact.Links.FirstOrDefault(l => !l.IsCurrentDomain) is { } other)
        {
            return new PlanEntry(contact.Id, name, PlannedAction.LinkFromOtherDomain, other.UfName, other.CmsUserId, null);
        }

        if (ContactPipeline.CheckEmail(contact) is { } problem)
        {
            return new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior, giveUpNow: true), null, null, problem.Message);
        }

        if (await _engine.Cms.FindByEmailAsync(contact.Email!.Trim(), cancellationToken).ConfigureAwait(false) is { } found)
        {
            return Options.LinkExistingAccounts
                ? new PlanEntry(contact.Id, name, PlannedAction.LinkExisting, found.Username, found.UserId, null)
                : new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), found.Username, found.UserId, $"The email is used by CMS account {found.UserId} and linking existing accounts is off.");
        }

        var pipeline = _engine.Pipeline;
        var (username, conflict) = await pipeline.FindFreeUsernameAsync(pipeline.BaseUsername(rule, contact), 1, cancellationToken).ConfigureAwait(false);
        return username is null
            ? new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), null, null, conflict)
            : new PlanEntry(contact.Id, name, PlannedAction.Create, username, null, conflict);
    }
}
