"""Off-screen painting for the viewer and every exporter (QtGui and QtWebEngine; no QtWidgets but the one
documented QApplication in ``qt``): the Qt bootstrap (``qt``), numpy ↔ QImage (``image``), the frame renderer
(``frame``), finding and annotation painting, the exporters' session context (``context``), heatmap compositing
(``heatmap``, ``heatmap_compare``) and page rendering (``page``). See docs/rendering.md."""
