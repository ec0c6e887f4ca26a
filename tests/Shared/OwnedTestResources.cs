namespace Skvare.CmsUser.Tests.Shared;

/// <summary>Resources a test class creates in its constructor (fake sites, service providers), disposed with the test.</summary>
public abstract class OwnedTestResources : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>Disposes what the derived class handed to <see cref="Own{T}"/>, newest first.</summary>
    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes <paramref name="resource"/> with the test.</summary>
    protected T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }
}
