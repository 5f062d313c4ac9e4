// fl-placeholder-screen: what a screen will hold, until its issue builds it.
import { defineGadget, html } from '../runtime/index.ts';
import { type Route, routeFor } from '../routes.ts';

export const placeholderScreenGadget = defineGadget({
  name: 'fl-placeholder-screen',
  state: (element): { route: Route | undefined; path: string } => {
    const path = element.dataset.route ?? '/';
    return { route: routeFor(path), path };
  },
  render: (g) => {
    const route = g.state.route;
    if (route === undefined) {
      return html`<section class="placeholder" aria-labelledby="screen-title">
        <h2 id="screen-title">Page not found</h2>
        <p>Nothing lives at <code>${g.state.path}</code>.</p>
        <p><a href="/datasets" data-route>Go to Datasets</a></p>
      </section>`;
    }
    return html`<section class="placeholder" aria-labelledby="screen-title">
      <h2 id="screen-title">${route.title}</h2>
      <p>${route.summary}</p>
      <p>This screen is being built. It will hold:</p>
      <ul>
        ${route.coming.map((item) => html`<li>${item}</li>`)}
      </ul>
    </section>`;
  },
});
