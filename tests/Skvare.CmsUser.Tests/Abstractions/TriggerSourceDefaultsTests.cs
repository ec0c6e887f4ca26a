namespace Skvare.CmsUser.Tests.Abstractions;

/// <summary>
/// A trigger source written before <see cref="ITriggerSource.FindPendingAmongAsync"/> existed (only the single look-up)
/// keeps working: the interface's default asks the single look-up once per distinct id.
/// </summary>
public sealed class TriggerSourceDefaultsTests
{
    /// <summary>A source of its own with only the members of the interface it had before: the single look-up answers for <paramref name="pending"/>.</summary>
    private sealed class SingleLookUpSource(params long[] pending) : ITriggerSource
    {
        public List<(long Id, CancellationToken Token)> Asked { get; } = [];

        public TriggerDefinition Trigger { get; } = TriggerDefinition.Group("members");

        public IAsyncEnumerable<IReadOnlyList<Contact>> ReadPendingAsync(int pageSize, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<Contact?> FindPendingAsync(long contactId, CancellationToken cancellationToken = default)
        {
            Asked.Add((contactId, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(pending.Contains(contactId) ? new Contact { Id = contactId, Email = $"c{contactId}@example.org" } : null);
        }

        public Task AcknowledgeAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    [Fact]
    public async Task The_default_asks_the_single_look_up_once_per_distinct_id()
    {
        var source = new SingleLookUpSource(3, 1, 7);
        using var cts = new CancellationTokenSource();

        var found = await ((ITriggerSource)source).FindPendingAmongAsync([3, 1, 3, 2, 9, 1], cts.Token);

        found.Select(c => c.Id).Should().Equal(3, 1);
        found.Should().OnlyContain(c => c.Email == $"c{c.Id}@example.org", "each contact is the one the single look-up returned");
        source.Asked.Select(a => a.Id).Should().Equal(3, 1, 2, 9);
        source.Asked.Should().OnlyContain(a => a.Token == cts.Token, "the caller's token goes to each look-up");
    }

    [Fact]
    public async Task The_default_finds_nothing_for_no_ids_and_refuses_null()
    {
        var source = new SingleLookUpSource(1);

        var found = await ((ITriggerSource)source).FindPendingAmongAsync([]);
        var refused = () => ((ITriggerSource)source).FindPendingAmongAsync(null!);

        found.Should().BeEmpty();
        source.Asked.Should().BeEmpty();
        await refused.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task The_default_stops_at_a_cancellation()
    {
        var source = new SingleLookUpSource(1, 2);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var cancelled = () => ((ITriggerSource)source).FindPendingAmongAsync([1, 2], cts.Token);

        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        source.Asked.Should().ContainSingle("the first cancelled look-up ends the call");
    }
}
