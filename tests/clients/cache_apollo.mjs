// Apollo Client 4 with one InMemoryCache, against the live server at TOURISM_GRAPHQL_URL.
// `node cache_apollo.mjs languages` or `node cache_apollo.mjs clusters '<json>'`: prints what
// the client read (from the network and from its cache) as one JSON document; the pytest side
// compares it with the demo data.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";

const url = process.env.TOURISM_GRAPHQL_URL;
let requests = 0;

function client() {
  const counted = (input, init) => { requests += 1; return fetch(input, init); };
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch: counted }),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { destinations: relayStylePagination(["filter"]) } } },
    }),
  });
}

// The README's scheme: the language is an argument of each localized field.
const PAGE = gql`
  query Page($first: Int!, $after: String, $lang: String) {
    destinations(first: $first, after: $after) {
      edges { cursor node {
        id slug name(lang: $lang) nameLang(lang: $lang)
        description(lang: $lang) { text lang }
        province(lang: $lang) { code name(lang: $lang) }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

const CLUSTERS = gql`
  query Clusters($bbox: BBoxInput!, $zoom: Int!, $filter: DestinationFilter) {
    destinationClusters(bbox: $bbox, zoom: $zoom, filter: $filter) {
      id count bbox { west south east north } destination { id slug }
    }
  }`;

const nodes = (result) => result.data.destinations.edges.map((e) => ({
  id: e.node.id, cursor: e.cursor, slug: e.node.slug, name: e.node.name,
  nameLang: e.node.nameLang, description: e.node.description,
  province: e.node.province,
}));

async function until(check) {
  for (let i = 0; i < 200; i += 1) {
    const found = check();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the query never settled");
}

async function languages() {
  const apollo = client();
  const first = 5;
  const english = await apollo.query({ query: PAGE, variables: { first, lang: "en" } });
  const vietnamese = await apollo.query({ query: PAGE, variables: { first, lang: "vi" } });
  const beforeCached = requests;
  const cached = await apollo.query({
    query: PAGE, variables: { first, lang: "en" }, fetchPolicy: "cache-only" });
  const cachedRequests = requests - beforeCached;

  // fetchMore: three pages merged by relayStylePagination, then page 2 fetched again
  const watched = apollo.watchQuery({ query: PAGE, variables: { first, lang: "en" } });
  const subscription = watched.subscribe({ next: () => {} });
  await until(() => watched.getCurrentResult().data?.destinations);
  // what the cache holds once a fetchMore has resolved (the watcher is told a tick later)
  const stored = () => apollo.readQuery({ query: PAGE, variables: { first, lang: "en" } });
  const cursors = [];
  for (let page = 0; page < 2; page += 1) {
    const end = stored().destinations.pageInfo.endCursor;
    cursors.push(end);
    await watched.fetchMore({ variables: { after: end } });
  }
  const merged = nodes({ data: stored() });
  await watched.fetchMore({ variables: { after: cursors[1] } });  // the last page again
  const refetched = nodes({ data: stored() });
  const pageInfo = stored().destinations.pageInfo;
  subscription.unsubscribe();

  const whole = await client().query({ query: PAGE, variables: { first: 3 * first, lang: "en" } });
  return {
    english: nodes(english), vietnamese: nodes(vietnamese), cached: nodes(cached),
    cachedRequests,
    merged, refetched, pageInfo, whole: nodes(whole),
  };
}

async function clusters(args) {
  const apollo = client();
  const { bbox, zoom, filter } = args;
  const read = (variables, fetchPolicy) => apollo.query({ query: CLUSTERS, variables, fetchPolicy })
    .then((r) => r.data.destinationClusters);
  const unfilteredVars = { bbox, zoom, filter: null };
  const filteredVars = { bbox, zoom, filter };
  const network = {
    unfiltered: await read(unfilteredVars, "network-only"),
    filtered: await read(filteredVars, "network-only"),
  };
  const beforeCached = requests;
  const cached = {
    unfiltered: await read(unfilteredVars, "cache-only"),
    filtered: await read(filteredVars, "cache-only"),
  };
  const cachedRequests = requests - beforeCached;
  // and the other order: filtered first, then unfiltered, in a fresh cache
  const other = client();
  await other.query({ query: CLUSTERS, variables: filteredVars });
  await other.query({ query: CLUSTERS, variables: unfilteredVars });
  const otherCached = {
    unfiltered: (await other.query({ query: CLUSTERS, variables: unfilteredVars,
                                    fetchPolicy: "cache-only" })).data.destinationClusters,
    filtered: (await other.query({ query: CLUSTERS, variables: filteredVars,
                                  fetchPolicy: "cache-only" })).data.destinationClusters,
  };
  // a second request gives the same ids: the cache keeps one entry per cluster
  const again = await client().query({ query: CLUSTERS, variables: filteredVars });
  return { network, cached, otherCached, cachedRequests,
           againIds: again.data.destinationClusters.map((c) => c.id) };
}

const scenarios = { languages, clusters };
const [name, args] = process.argv.slice(2);
const found = await scenarios[name](args ? JSON.parse(args) : {});
process.stdout.write(JSON.stringify(found));
