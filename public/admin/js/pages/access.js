export async function render(view) { view.textContent = 'todo'; }
