import { json, paginate, repoOf, type Routes } from "../http.js";
import { nodeId, Renderer } from "../render.js";

/** Releases, newest first as GitHub lists them; drafts only to those who may push (the fake's tokens may). */
export const releaseRoutes: Routes = {
  "GET /repos/{owner}/{repo}/releases": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, [...repo.releases].reverse());
    const url = `${context.api}/repos/${repo.fullName}/releases`;
    return json(
      200,
      page.items.map((release) => ({
        url: `${url}/${release.id}`,
        html_url: `https://github.com/${repo.fullName}/releases/tag/${release.tagName}`,
        assets_url: `${url}/${release.id}/assets`,
        upload_url: `https://uploads.github.com/repos/${repo.fullName}/releases/${release.id}/assets{?name,label}`,
        tarball_url: `${context.api}/repos/${repo.fullName}/tarball/${release.tagName}`,
        zipball_url: `${context.api}/repos/${repo.fullName}/zipball/${release.tagName}`,
        id: release.id,
        node_id: nodeId("Release", release.id),
        tag_name: release.tagName,
        target_commitish: repo.defaultBranch,
        name: release.name,
        body: null,
        draft: release.draft,
        prerelease: release.prerelease,
        created_at: release.createdAt,
        published_at: release.publishedAt,
        author: render.user(release.author),
        assets: [],
      })),
      page.headers,
    );
  },
};
